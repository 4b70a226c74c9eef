"""Confidence calibration fitted on validation data.

Temperature scaling (Guo et al. 2017) with one twist: the temperature may depend on how many
features a text has, ``p = sigmoid(logit * exp(c0 + c1 * log(1 + n)))``, because the network's
logit is a sum over features and grows with length, while a chat message and a review must both
mean "90% sure" when they say so. Two parameters, fitted by minimizing log loss on a grid.

With a lexicon input, its scale is fitted here too, outside the temperature:
``p = sigmoid(logit * exp(c0 + c1 * log(1 + n)) + c2 * lexicon)``. Trained on reviews the
n-gram bag is surer of itself than on unseen text, so the lexicon's weight learned in training
undersells it on held-out short text; fitting it with the temperature on validation fixes that.
"""

from __future__ import annotations

import numpy as np

# The grid search: GRID_POINTS values of c0 and of c1 around the best point so far, starting
# at (0, 0) +- INITIAL_SPAN, narrowed REFINE_FACTOR times per round.
GRID_POINTS = 41
INITIAL_SPAN = (4.0, 1.5)
ROUNDS = 4
REFINE_FACTOR = 8.0
# The lexicon scale c2: a coarse grid on [0, LEXICON_SCALE_MAX], then rounds of a finer one.
LEXICON_SCALE_MAX = 6.0
LEXICON_GRID_POINTS = 13
LEXICON_ROUNDS = 3


def apply(
    logits: np.ndarray,
    counts: np.ndarray,
    c0: float,
    c1: float,
    lexicon: np.ndarray | None = None,
    c2: float = 0.0,
) -> np.ndarray:
    """Calibrated P(positive) of uncalibrated logits of texts with ``counts`` features."""
    z = np.asarray(logits, dtype="float64") * np.exp(c0 + c1 * np.log1p(counts))
    if lexicon is not None:
        z = z + c2 * np.asarray(lexicon, dtype="float64")
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # the logistic function, without overflow


def _log_loss(logits, counts, labels, c0, c1, offset=None) -> np.ndarray:
    # Broadcast over a grid of (c0, c1): logits (N,), c0/c1 (G, 1).
    z = logits[None, :] * np.exp(c0 + c1 * np.log1p(counts)[None, :])
    if offset is not None:
        z = z + offset[None, :]
    signed = np.where(labels[None, :] == 1, z, -z)
    return np.mean(np.logaddexp(0.0, -signed), axis=1)


def _fit(logits, counts, labels, offset=None) -> tuple[float, float, float]:
    """(c0, c1, log loss) on a coarse grid refined ROUNDS - 1 times."""
    center, span = np.array([0.0, 0.0]), np.array(INITIAL_SPAN)
    loss = np.inf
    for _ in range(ROUNDS):
        c0s = np.linspace(center[0] - span[0], center[0] + span[0], GRID_POINTS)
        c1s = np.linspace(center[1] - span[1], center[1] + span[1], GRID_POINTS)
        grid = np.array([(a, b) for a in c0s for b in c1s])
        losses = _log_loss(logits, counts, labels, grid[:, :1], grid[:, 1:], offset)
        best = int(np.argmin(losses))
        center, loss = grid[best], float(losses[best])
        span = span / REFINE_FACTOR
    return float(center[0]), float(center[1]), loss


def _as_arrays(logits, counts, labels):
    return (
        np.asarray(logits, dtype="float64"),
        np.asarray(counts, dtype="float64"),
        np.asarray(labels).astype(int),
    )


def fit(logits: np.ndarray, counts: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """(c0, c1) minimizing log loss; a coarse grid refined three times, deterministic."""
    c0, c1, _ = _fit(*_as_arrays(logits, counts, labels))
    return c0, c1


def fit_with_lexicon(
    logits: np.ndarray, counts: np.ndarray, labels: np.ndarray, lexicon: np.ndarray
) -> tuple[float, float, float]:
    """(c0, c1, c2) minimizing log loss, c2 the lexicon's scale; deterministic grids."""
    logits, counts, labels = _as_arrays(logits, counts, labels)
    lexicon = np.asarray(lexicon, dtype="float64")
    low, high = 0.0, LEXICON_SCALE_MAX
    best = (np.inf, 0.0, 0.0, 0.0)
    for _ in range(LEXICON_ROUNDS):
        scales = np.linspace(low, high, LEXICON_GRID_POINTS)
        for c2 in scales:
            c0, c1, loss = _fit(logits, counts, labels, float(c2) * lexicon)
            if loss < best[0]:
                best = (loss, c0, c1, float(c2))
        step = scales[1] - scales[0]
        low, high = max(0.0, best[3] - step), best[3] + step
    return best[1], best[2], best[3]
