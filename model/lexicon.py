"""The sentiment-lexicon channel: word and phrase valences, with negation, for short text.

IMDB labels movie words well and chat words poorly; a hand-rated lexicon (VADER's, see
``model.training.lexicon_source``) knows "lgtm"-era praise and complaint that reviews rarely
use. Its entries are stored as the project's own tokens, so they match exactly what
``model.text.tokenize`` makes of a message. Pure Python: serving and training call the same
``Lexicon.match``, so the Keras model and the numpy predictor see the same number.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

from model.text import word_count
from model.workplace import REMEDIES, REMEDY_FACTOR, REMEDY_SCOPE

# A valence right after one of these words is flipped and damped (VADER's factor), for at most
# NEGATION_SCOPE tokens, and until a TERMINATOR: "not bad at all" reads positive.
NEGATORS = frozenset(
    "not no never without nothing nobody none neither nor nowhere cannot hardly barely".split()
)
TERMINATORS = frozenset({"but", "!", "?"})
NEGATION_SCOPE = 3
NEGATION_FACTOR = -0.74

_NEGATOR, _TERMINATOR, _PHRASE, _REMEDY = "negator", "terminator", "phrase", "remedy"


class Match(NamedTuple):
    """One lexicon entry found in a text: its first token, length in tokens, signed valence.

    A negated entry's span starts at its negator ("not bad", "never a good"), so that what a
    reader is shown as the reason reads the way the valence was counted.
    """

    start: int
    length: int
    valence: float


class Lexicon:
    """Token sequences with a valence; multi-token entries win over the words inside them."""

    def __init__(self, entries: dict[tuple[str, ...], float]):
        self.entries = dict(sorted(entries.items()))
        self.words = {k[0]: v for k, v in self.entries.items() if len(k) == 1}
        # Phrases by their first token, longest first, so the longest one that fits wins.
        self.phrases: dict[str, list[tuple[tuple[str, ...], float]]] = {}
        for key, value in sorted(self.entries.items(), key=lambda kv: (-len(kv[0]), kv[0])):
            if len(key) > 1:
                self.phrases.setdefault(key[0], []).append((key, value))
        # One dict lookup per token says what it is: a word's valence (a float), the first token
        # of phrases (_PHRASE), a negator or a terminator; None: it does not matter.
        self._kinds: dict[str, float | str] = dict(self.words)
        self._kinds.update(dict.fromkeys(self.phrases, _PHRASE))
        self._kinds.update(dict.fromkeys(TERMINATORS, _TERMINATOR))
        self._kinds.update(dict.fromkeys(NEGATORS, _NEGATOR))
        # "fixed the bug that was killing performance": trouble after a remedy word, in the same
        # clause, is good news (``model.workplace.REMEDIES``).
        self._kinds.update(dict.fromkeys(REMEDIES, _REMEDY))

    def __len__(self) -> int:
        return len(self.entries)

    def match(self, tokens: Sequence[str], collect: bool = True) -> tuple[float, list[Match]]:
        """(sum of the valences found, the matches in text order), negation applied.

        ``collect=False`` skips building the matches (bulk scoring needs only the sum).
        """
        kinds = self._kinds
        hits = [(i, k) for i, t in enumerate(tokens) if (k := kinds.get(t)) is not None]
        total = 0.0
        found: list[Match] = []
        negated_until = negator_at = remedied_until = -1
        covered_until = -1  # tokens inside a matched phrase are not read again
        for position, kind in hits:
            if position <= covered_until:
                continue
            length = 1
            if kind is _NEGATOR:
                negated_until, negator_at = position + NEGATION_SCOPE, position
                continue
            if kind is _TERMINATOR:
                negated_until = remedied_until = -1
                continue
            if kind is _REMEDY:
                remedied_until = position + REMEDY_SCOPE
                kind = self.words.get(tokens[position])
                if kind is None:
                    continue
            if kind is _PHRASE:
                token = tokens[position]
                kind = self.words.get(token)
                for key, phrase_value in self.phrases[token]:
                    if tuple(tokens[position : position + len(key)]) == key:
                        length, kind = len(key), phrase_value
                        break
                if kind is None:
                    continue
            value, start = kind, position
            if position <= negated_until:
                value *= NEGATION_FACTOR
                start = negator_at
            if value < 0 and position <= remedied_until:
                value *= REMEDY_FACTOR
            covered_until = position + length - 1
            total += value
            if collect:
                found.append(Match(start, covered_until - start + 1, value))
        return total, found

    def feature(
        self, tokens: Sequence[str], words: int | None = None, collect: bool = True
    ) -> tuple[float, list[Match]]:
        """The model's lexicon input: the valence sum per word, so it does not grow with length.

        ``words`` is ``word_count(tokens)`` when the caller has it already.
        """
        total, found = self.match(tokens, collect)
        if words is None:
            words = word_count(list(tokens))
        return total / max(1, words), found

    def to_json(self) -> list[list]:
        return [[" ".join(key), value] for key, value in self.entries.items()]

    @classmethod
    def from_json(cls, rows: Iterable[Sequence]) -> Lexicon:
        return cls({tuple(str(term).split(" ")): float(value) for term, value in rows})

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json(), ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Lexicon:
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))
