"""Confidence calibration fitted on validation data.

Temperature scaling (Guo et al. 2017) with one twist: the temperature may depend on how many
features a text has, ``p = sigmoid(logit * exp(c0 + c1 * log(1 + n)))``, because the network's
logit is a sum over features and grows with length, while a chat message and a review must both
mean "90% sure" when they say so. Two parameters, fitted by minimizing log loss on a grid.
"""

from __future__ import annotations

import numpy as np

# The grid search: GRID_POINTS values of c0 and of c1 around the best point so far, starting
# at (0, 0) +- INITIAL_SPAN, narrowed REFINE_FACTOR times per round.
GRID_POINTS = 41
INITIAL_SPAN = (4.0, 1.5)
ROUNDS = 4
REFINE_FACTOR = 8.0


def apply(logits: np.ndarray, counts: np.ndarray, c0: float, c1: float) -> np.ndarray:
    """Calibrated P(positive) of uncalibrated logits of texts with ``counts`` features."""
    z = np.asarray(logits, dtype="float64") * np.exp(c0 + c1 * np.log1p(counts))
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # the logistic function, without overflow


def _log_loss(logits, counts, labels, c0, c1) -> np.ndarray:
    # Broadcast over a grid of (c0, c1): logits (N,), c0/c1 (G, 1).
    z = logits[None, :] * np.exp(c0 + c1 * np.log1p(counts)[None, :])
    signed = np.where(labels[None, :] == 1, z, -z)
    return np.mean(np.logaddexp(0.0, -signed), axis=1)


def fit(logits: np.ndarray, counts: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """(c0, c1) minimizing log loss; a coarse grid refined three times, deterministic."""
    logits = np.asarray(logits, dtype="float64")
    counts = np.asarray(counts, dtype="float64")
    labels = np.asarray(labels).astype(int)
    center, span = np.array([0.0, 0.0]), np.array(INITIAL_SPAN)
    for _ in range(ROUNDS):
        c0s = np.linspace(center[0] - span[0], center[0] + span[0], GRID_POINTS)
        c1s = np.linspace(center[1] - span[1], center[1] + span[1], GRID_POINTS)
        grid = np.array([(a, b) for a in c0s for b in c1s])
        losses = _log_loss(logits, counts, labels, grid[:, :1], grid[:, 1:])
        center = grid[int(np.argmin(losses))]
        span = span / REFINE_FACTOR
    return float(center[0]), float(center[1])
