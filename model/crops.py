"""Sentence-length crops of reviews: how the model learns and is measured on chat-sized text.

Chat messages are 3 to 30 words, reviews about 230. A crop is a random window of a review's
tokens, labelled with the review's label. Pure Python, seeded, so runs repeat exactly.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

MIN_WORDS = 3
MAX_WORDS = 30


def crop(tokens: Sequence[str], rng: random.Random, min_words: int = MIN_WORDS,
         max_words: int = MAX_WORDS) -> list[str]:
    """A random window of ``min_words`` to ``max_words`` consecutive tokens."""
    size = rng.randint(min_words, max_words)
    if len(tokens) <= size:
        return list(tokens)
    start = rng.randint(0, len(tokens) - size)
    return list(tokens[start: start + size])


def crops(token_lists: Sequence[Sequence[str]], labels: Sequence[int], per_review: int,
          seed: int) -> tuple[list[list[str]], list[int]]:
    """``per_review`` crops of every review, with their review's label."""
    rng = random.Random(seed)
    out_tokens: list[list[str]] = []
    out_labels: list[int] = []
    for _ in range(per_review):
        for tokens, label in zip(token_lists, labels, strict=True):
            out_tokens.append(crop(tokens, rng))
            out_labels.append(label)
    return out_tokens, out_labels


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|<\s*br\s*/?\s*>", re.IGNORECASE)


def sentences(text: str) -> list[str]:
    """A review split at sentence ends and HTML line breaks (empty pieces dropped)."""
    return [s for s in (piece.strip() for piece in _SENTENCE_END.split(text)) if s]


def verdict_crops(texts: Sequence[str], labels: Sequence[int], per_review: int, seed: int,
                  tokenize) -> tuple[list[list[str]], list[int]]:
    """Crops taken from a review's opening or closing sentences, where reviewers state verdicts.

    Plot summaries fill the middle of a review; its first and last sentences are mostly
    judgement ("A must see.", "Avoid this one."), which is what chat and product reviews sound
    like. Each crop is one of those sentences, cut to at most ``MAX_WORDS`` tokens.
    """
    rng = random.Random(seed)
    out_tokens: list[list[str]] = []
    out_labels: list[int] = []
    for _ in range(per_review):
        for text, label in zip(texts, labels, strict=True):
            parts = sentences(text)
            ends = parts[:1] + parts[-2:] if len(parts) > 3 else parts
            tokens = tokenize(rng.choice(ends)) if ends else []
            if len(tokens) < MIN_WORDS:
                continue
            out_tokens.append(crop(tokens, rng, MIN_WORDS, MAX_WORDS))
            out_labels.append(label)
    return out_tokens, out_labels
