"""The IMDB word index and the one vectorizer used by training and serving alike.

Keras conventions for the word index: 0 is padding, 1 marks the start of a sequence, 2 stands for
out-of-vocabulary words, and real words start at 3, most frequent first. On top of the words the
default model also sees word pairs and triples (n-grams), which is how "not good" differs from
"good". No TensorFlow here: the functions map tokens to integer ids.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from model.int_table import EMPTY, IntTable
from model.text import PUNCTUATION_TOKENS, tokenize, word_count

PAD, START, OOV = 0, 1, 2
INDEX_FROM = 3
RESERVED = {"<pad>": PAD, "<start>": START, "<unk>": OOV}


class WordIndex:
    """Word to id, Keras-style: ids from 3 on, most frequent word first."""

    def __init__(self, words: Sequence[str]):
        self.words = list(words)
        self.ids = {word: rank + INDEX_FROM for rank, word in enumerate(self.words)}

    def __len__(self) -> int:
        return len(self.words)

    @classmethod
    def build(
        cls, token_lists: Iterable[Sequence[str]], max_words: int | None = None, min_count: int = 1
    ) -> WordIndex:
        """Rank the training corpus's words by count; ties break alphabetically, so it is stable."""
        counts: Counter[str] = Counter()
        for tokens in token_lists:
            counts.update(tokens)
        ranked = sorted(
            (w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w)
        )
        if max_words is not None:
            ranked = ranked[: max(0, max_words - INDEX_FROM)]
        return cls(ranked)

    def encode(self, tokens: Sequence[str], num_words: int | None = None) -> list[int]:
        """Keras-style sequence: the start mark, then one id per token (OOV past ``num_words``)."""
        limit = num_words if num_words is not None else len(self.words) + INDEX_FROM
        out = [START]
        for token in tokens:
            index = self.ids.get(token, OOV)
            out.append(index if index < limit else OOV)
        return out

    def to_json(self) -> dict[str, int]:
        mapping = dict(RESERVED)
        mapping.update(self.ids)
        return mapping

    @classmethod
    def from_json(cls, mapping: dict[str, int]) -> WordIndex:
        ranked = sorted((i, w) for w, i in mapping.items() if i >= INDEX_FROM)
        if [i for i, _ in ranked] != list(range(INDEX_FROM, INDEX_FROM + len(ranked))):
            raise ValueError("word index ids must run from 3 without gaps")
        return cls([w for _, w in ranked])

    def save(self, path: Path) -> None:
        path.write_text(
            json.dumps(self.to_json(), ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
        )

    @classmethod
    def load(cls, path: Path) -> WordIndex:
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))


def ngrams(tokens: Sequence[str], n: int) -> list[str]:
    """Space-joined runs of ``n`` consecutive tokens."""
    return [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]


def count_ngrams(token_lists: Iterable[Sequence[str]], max_n: int) -> Counter[str]:
    """Document frequency of every 2..max_n-gram (a review counts once per n-gram)."""
    counts: Counter[str] = Counter()
    for tokens in token_lists:
        seen: set[str] = set()
        for n in range(2, max_n + 1):
            seen.update(ngrams(tokens, n))
        counts.update(seen)
    return counts


@dataclass(frozen=True)
class _Codes:
    """Integer codes for the batch path: every token that can be part of a feature gets a code
    from 1 (0: unknown), and an n-gram is the base-``base`` number of its tokens' codes."""

    codes: dict[str, int]
    base: int
    word_features: np.ndarray  # code -> word feature id, -1 where the token is no word feature
    ngrams: IntTable  # n-gram number -> feature id (2- and 3-gram numbers never coincide)
    lengths: frozenset[int]  # the n of the n-gram terms


class Vectorizer:
    """Text to the sorted, unique feature ids of its words and n-grams.

    Feature ids below ``num_words`` are word-index ids (the ids 0..2 never occur); n-gram features
    follow from ``num_words`` on, in the order of ``ngram_terms``.
    """

    def __init__(
        self, word_index: WordIndex, num_words: int, ngram_terms: Sequence[str] = (), max_n: int = 1
    ):
        self.word_index = word_index
        self.num_words = min(num_words, len(word_index) + INDEX_FROM)
        self.max_n = max_n
        self.ngram_terms = list(ngram_terms)
        self.ngram_ids = {term: self.num_words + rank for rank, term in enumerate(self.ngram_terms)}
        self.num_features = self.num_words + len(self.ngram_terms)
        self._word_ids = {w: i for w, i in word_index.ids.items() if i < self.num_words}

    def feature_id(self, term: str) -> int | None:
        """The feature id of a word or space-joined n-gram, None if the model does not know it."""
        if " " in term:
            return self.ngram_ids.get(term)
        return self._word_ids.get(term)

    def features_of_tokens(self, tokens: Sequence[str]) -> tuple[list[int], int]:
        """(sorted unique feature ids, number of known word tokens, punctuation not counted)."""
        spans, known = self.analyze(tokens)
        return sorted(spans), known

    def analyze(self, tokens: Sequence[str]) -> tuple[dict[int, tuple[int, int]], int]:
        """Every feature of the tokens with where it first occurs, and the known-word count.

        Returns ``({feature id: (start token, n)}, known words)``; the positions let the
        predictor show which words drove a decision without a second pass over the text.
        """
        word_ids = self._word_ids
        spans: dict[int, tuple[int, int]] = {}
        known = 0
        for position, token in enumerate(tokens):
            index = word_ids.get(token)
            if index is not None:
                if index not in spans:
                    spans[index] = (position, 1)
                if token not in PUNCTUATION_TOKENS:
                    known += 1
        if self.max_n > 1:
            ngram_ids = self.ngram_ids
            for n in range(2, self.max_n + 1):
                for position, gram in enumerate(ngrams(tokens, n)):
                    index = ngram_ids.get(gram)
                    if index is not None and index not in spans:
                        spans[index] = (position, n)
        return spans, known

    @cached_property
    def _batch_codes(self) -> _Codes:
        """Built on the first batch call, so that loading for one-message serving stays fast."""
        codes: dict[str, int] = {}
        for word in self._word_ids:
            codes[word] = len(codes) + 1
        split_terms = [term.split(" ") for term in self.ngram_terms]
        for parts in split_terms:
            for token in parts:
                if token not in codes:
                    codes[token] = len(codes) + 1
        base = len(codes) + 1
        if base**self.max_n >= 2**63:
            raise ValueError(f"{base} codes to the power {self.max_n} overflow int64")
        word_features = np.full(base, -1, dtype="int64")
        for word, index in self._word_ids.items():
            word_features[codes[word]] = index
        numbers, features = [], []
        for rank, parts in enumerate(split_terms):
            number = 0
            for token in parts:
                number = number * base + codes[token]
            numbers.append(number)
            features.append(self.num_words + rank)
        table = IntTable(np.array(numbers, dtype="int64"), np.array(features, dtype="int64"))
        lengths = frozenset(len(parts) for parts in split_terms)
        return _Codes(codes, base, word_features, table, lengths)

    def batch_features(self, token_lists: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray]:
        """(row, feature id) pairs: every distinct feature of every text, as ``analyze`` finds
        them, computed with numpy over the whole batch instead of a Python loop per n-gram.

        An n-gram's number is below ``base ** max_n``, which building the codes checks to fit
        in int64.
        """
        table = self._batch_codes
        get = table.codes.get
        lengths = np.fromiter((len(t) for t in token_lists), dtype="int64", count=len(token_lists))
        total = int(lengths.sum())
        flat = np.fromiter((get(t, 0) for tokens in token_lists for t in tokens), "int64", total)
        rows = np.repeat(np.arange(len(token_lists), dtype="int64"), lengths)
        words = table.word_features[flat]
        is_word = words >= 0
        found_rows, found_features = [rows[is_word]], [words[is_word]]
        for n in range(2, self.max_n + 1):
            if n not in table.lengths or total < n:
                continue
            width = total - n + 1
            number = flat[:width].copy()
            valid = (flat[:width] > 0) & (rows[:width] == rows[n - 1 :])
            for offset in range(1, n):
                part = flat[offset : offset + width]
                number = number * table.base + part
                valid &= part > 0
            features = table.ngrams.lookup(number[valid])
            hit = features != EMPTY
            found_rows.append(rows[:width][valid][hit])
            found_features.append(features[hit])
        pairs = np.concatenate(found_rows) * self.num_features + np.concatenate(found_features)
        pairs.sort()  # then keep each (row, feature) once; faster here than np.unique
        distinct = np.empty(len(pairs), dtype=bool)
        distinct[:1] = True
        np.not_equal(pairs[1:], pairs[:-1], out=distinct[1:])
        pairs = pairs[distinct]
        return pairs // self.num_features, pairs % self.num_features

    def features(self, text: str) -> tuple[list[int], int, int]:
        """(feature ids, known word tokens, all word tokens) of one raw text."""
        tokens = tokenize(text)
        ids, known = self.features_of_tokens(tokens)
        return ids, known, word_count(tokens)

    def config(self) -> dict[str, int]:
        return {
            "num_words": self.num_words,
            "max_n": self.max_n,
            "num_ngrams": len(self.ngram_terms),
        }
