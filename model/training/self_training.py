"""Self-training: the labelled model (the teacher) labels the 50,000 unlabelled reviews.

Only the reviews it is confident about are kept, with its label; the shipped model (the
student) then trains on them beside the labelled ones. Unlabelled reviews carry words and
phrases the 22,500 labelled ones never show, and the teacher's confident calls are right far
more often than not.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from model.data import load_unlabelled
from model.predictor import SentimentPredictor
from model.text import tokenize

# With a per-class limit (smoke runs), read this many unlabelled reviews per labelled class.
UNLABELLED_PER_CLASS_LIMIT = 2


@dataclass(frozen=True)
class PseudoLabelled:
    """The unlabelled reviews the teacher was sure about, tokenized, with its labels."""

    tokens: list[list[str]]
    labels: np.ndarray  # int64, 1 positive
    unlabelled: int  # how many unlabelled reviews there were


def pseudo_label(
    teacher: SentimentPredictor,
    data: str | os.PathLike[str] | None,
    threshold: float,
    limit_per_class: int | None = None,
) -> PseudoLabelled:
    """The unlabelled reviews whose teacher confidence is at least ``threshold``."""
    texts = load_unlabelled(data)
    if limit_per_class is not None:
        texts = texts[: UNLABELLED_PER_CLASS_LIMIT * limit_per_class]
    tokens = [tokenize(t) for t in texts]
    scores = teacher.scores_of_tokens(tokens)
    keep = np.flatnonzero(np.maximum(scores, 1.0 - scores) >= threshold)
    return PseudoLabelled(
        tokens=[tokens[i] for i in keep],
        labels=(scores[keep] >= 0.5).astype("int64"),
        unlabelled=len(texts),
    )
