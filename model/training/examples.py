"""Training examples as the default network takes them: feature ids, lexicon input, label, weight.

Both inputs come from the serving code itself (``Vectorizer.batch_features`` and
``Lexicon.feature``), so what the network learns on is exactly what the predictor computes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from model.lexicon import Lexicon
from model.vectorize import Vectorizer

# Texts per batch_features call while featurizing (a few MB of index arrays at a time).
FEATURIZE_CHUNK = 1000


@dataclass(frozen=True)
class Examples:
    """Parallel columns, one row per text."""

    features: list[list[int]]
    lexicon: np.ndarray  # float32: Lexicon.feature of the text, 0.0 without a lexicon
    labels: np.ndarray  # float32: 1.0 positive, 0.0 negative
    weights: np.ndarray  # float32: the text's say in the loss

    def __len__(self) -> int:
        return len(self.features)

    def __add__(self, other: Examples) -> Examples:
        return Examples(
            self.features + other.features,
            np.concatenate([self.lexicon, other.lexicon]),
            np.concatenate([self.labels, other.labels]),
            np.concatenate([self.weights, other.weights]),
        )

    def counts(self) -> np.ndarray:
        """Feature count per text: the n of the length-aware calibration."""
        return np.array([len(f) for f in self.features])


def featurize(vectorizer: Vectorizer, token_lists: Sequence[Sequence[str]]) -> list[list[int]]:
    """Sorted distinct feature ids per text (what ``Vectorizer.features_of_tokens`` gives)."""
    out: list[list[int]] = []
    for start in range(0, len(token_lists), FEATURIZE_CHUNK):
        chunk = token_lists[start : start + FEATURIZE_CHUNK]
        rows, features = vectorizer.batch_features(chunk)
        bounds = np.searchsorted(rows, np.arange(len(chunk) + 1))
        out.extend(features[bounds[i] : bounds[i + 1]].tolist() for i in range(len(chunk)))
    return out


def lexicon_inputs(lexicon: Lexicon | None, token_lists: Sequence[Sequence[str]]) -> np.ndarray:
    """``Lexicon.feature`` per text, float32; zeros without a lexicon."""
    if lexicon is None:
        return np.zeros(len(token_lists), dtype="float32")
    return np.array([lexicon.feature(t)[0] for t in token_lists], dtype="float32")


def make_examples(
    vectorizer: Vectorizer,
    lexicon: Lexicon | None,
    token_lists: Sequence[Sequence[str]],
    labels: Sequence[int] | np.ndarray,
    weight: float = 1.0,
) -> Examples:
    """Examples of the texts, all with the same ``weight``."""
    return Examples(
        featurize(vectorizer, token_lists),
        lexicon_inputs(lexicon, token_lists),
        np.asarray(labels, dtype="float32"),
        np.full(len(token_lists), weight, dtype="float32"),
    )
