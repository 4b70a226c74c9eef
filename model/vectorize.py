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
from pathlib import Path

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
