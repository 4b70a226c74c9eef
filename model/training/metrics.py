"""Classification and calibration figures, in numpy only (no TensorFlow)."""

from __future__ import annotations

import numpy as np

ECE_BINS = 10


def confidence(scores: np.ndarray) -> np.ndarray:
    """Probability of the predicted label (0.5 to 1)."""
    return np.maximum(scores, 1.0 - scores)


def expected_calibration_error(
    scores: np.ndarray, labels: np.ndarray, bins: int = ECE_BINS
) -> float:
    """ECE over ``bins`` equal-width bins of confidence on [0.5, 1].

    The gap between how sure the model says it is and how often it is right, weighted by how
    many predictions fall in each bin.
    """
    scores = np.asarray(scores, dtype="float64")
    labels = np.asarray(labels)
    conf = confidence(scores)
    correct = (scores >= 0.5).astype(int) == labels
    edges = np.linspace(0.5, 1.0, bins + 1)
    which = np.clip(np.searchsorted(edges, conf, side="right") - 1, 0, bins - 1)
    total = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            total += mask.mean() * abs(conf[mask].mean() - correct[mask].mean())
    return float(total)


def reliability(scores: np.ndarray, labels: np.ndarray, bins: int = ECE_BINS) -> list[dict]:
    """Per-bin confidence, accuracy and count, for the reliability diagram."""
    conf = confidence(np.asarray(scores, dtype="float64"))
    correct = (np.asarray(scores) >= 0.5).astype(int) == np.asarray(labels)
    edges = np.linspace(0.5, 1.0, bins + 1)
    which = np.clip(np.searchsorted(edges, conf, side="right") - 1, 0, bins - 1)
    rows = []
    for b in range(bins):
        mask = which == b
        rows.append(
            {
                "low": float(edges[b]),
                "high": float(edges[b + 1]),
                "count": int(mask.sum()),
                "confidence": float(conf[mask].mean()) if mask.any() else None,
                "accuracy": float(correct[mask].mean()) if mask.any() else None,
            }
        )
    return rows


def classification_report(scores: np.ndarray, labels: np.ndarray) -> dict:
    """Accuracy, precision, recall, F1 (positive class), confusion matrix and ECE."""
    scores = np.asarray(scores, dtype="float64")
    labels = np.asarray(labels).astype(int)
    predicted = (scores >= 0.5).astype(int)
    tp = int(((predicted == 1) & (labels == 1)).sum())
    tn = int(((predicted == 0) & (labels == 0)).sum())
    fp = int(((predicted == 1) & (labels == 0)).sum())
    fn = int(((predicted == 0) & (labels == 1)).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "n": int(len(labels)),
        "accuracy": round((tp + tn) / max(len(labels), 1), 5),
        "precision": round(precision, 5),
        "recall": round(recall, 5),
        "f1": round(f1, 5),
        "ece": round(expected_calibration_error(scores, labels), 5),
        "confusion": {"tn": tn, "fp": fp, "fn": fn, "tp": tp},
    }
