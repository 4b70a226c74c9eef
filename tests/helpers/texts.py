"""Texts for predictor tests, generated from an artifact's own vocabulary (seeded)."""

from __future__ import annotations

import random

ODD_INPUTS = [
    "",
    " ",
    "\n",
    "!!!",
    "?",
    "😀😀😀",
    "👍",
    "これは素晴らしい映画です",
    "Das war furchtbar schlecht",
    "x" * 100_000,
    "good " * 5_000,
    "<br /><br />",
    "&amp;&lt;&gt;",
    "\x00\x01\x02",
    "\ud800",
    "10/10",
    "NOT GOOD",
    "not bad at all",
    "a",
    "the the the",
]


def vocabulary_texts(predictor, count: int, seed: int = 0, max_words: int = 300) -> list[str]:
    """Random texts of 0..max_words words drawn from the model's word index and n-grams."""
    rng = random.Random(seed)
    words = predictor.vectorizer.word_index.words[: predictor.vectorizer.num_words - 3]
    grams = predictor.vectorizer.ngram_terms
    texts = []
    for _ in range(count):
        size = rng.choice([rng.randint(0, 5), rng.randint(3, 30), rng.randint(0, max_words)])
        parts = [
            rng.choice(grams) if grams and rng.random() < 0.3 else rng.choice(words)
            for _ in range(size)
        ]
        texts.append(" ".join(parts))
    return texts
