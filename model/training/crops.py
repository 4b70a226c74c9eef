"""Sentence-length crops of reviews: how the model learns and is measured on chat-sized text.

Chat messages are 3 to 30 words, reviews about 230. A crop is a random window of a review's
tokens, labelled with the review's label. Pure Python, seeded, so runs repeat exactly.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

MIN_WORDS = 3
MAX_WORDS = 30


def crop(
    tokens: Sequence[str],
    rng: random.Random,
    min_words: int = MIN_WORDS,
    max_words: int = MAX_WORDS,
) -> list[str]:
    """A random window of ``min_words`` to ``max_words`` consecutive tokens."""
    size = rng.randint(min_words, max_words)
    if len(tokens) <= size:
        return list(tokens)
    start = rng.randint(0, len(tokens) - size)
    return list(tokens[start : start + size])


def crops(
    token_lists: Sequence[Sequence[str]], labels: Sequence[int], per_review: int, seed: int
) -> tuple[list[list[str]], list[int]]:
    """``per_review`` crops of every review, with their review's label."""
    rng = random.Random(seed)
    out_tokens: list[list[str]] = []
    out_labels: list[int] = []
    for _ in range(per_review):
        for tokens, label in zip(token_lists, labels, strict=True):
            out_tokens.append(crop(tokens, rng))
            out_labels.append(label)
    return out_tokens, out_labels
