"""Measuring a predictor on labelled reviews and on short crops of them.

Training writes these figures into ``metrics.json``; ``scripts/evaluate.py`` and the dataset
test recompute them the same way, so a shipped number can always be checked.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from model import crops
from model.metrics import classification_report
from model.text import tokenize

EVAL_CROP_SEED = 4321


def short_crops(
    texts: Sequence[str], labels: Sequence[int], seed: int = EVAL_CROP_SEED
) -> tuple[list[str], list[int]]:
    """One 3-30-word crop of every review, as text, labelled with its review's label."""
    token_lists = [tokenize(t) for t in texts]
    crop_tokens, crop_labels = crops.crops(token_lists, list(labels), 1, seed)
    return [" ".join(t) for t in crop_tokens], crop_labels


def scores_and_labels(
    predictor, texts: Sequence[str], labels: Sequence[int], seed: int = EVAL_CROP_SEED
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """P(positive) and labels for the full reviews ("test") and their crops ("test_short")."""
    short_texts, short_labels = short_crops(texts, labels, seed)
    return {
        "test": (predictor.scores(list(texts)), np.asarray(labels)),
        "test_short": (predictor.scores(short_texts), np.asarray(short_labels)),
    }


def evaluate(
    predictor, texts: Sequence[str], labels: Sequence[int], seed: int = EVAL_CROP_SEED
) -> dict[str, dict]:
    """The ``test`` and ``test_short`` sections of metrics.json."""
    return {
        name: classification_report(scores, truth)
        for name, (scores, truth) in scores_and_labels(predictor, texts, labels, seed).items()
    }
