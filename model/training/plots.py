"""The reliability diagram and score histogram that ``scripts/evaluate.py`` writes (matplotlib)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from model.training.metrics import reliability


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def reliability_diagram(series: dict[str, tuple[np.ndarray, np.ndarray]], path: Path) -> None:
    """Accuracy against stated confidence per bin; the diagonal is perfect calibration."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 5))
    ax.plot([0.5, 1.0], [0.5, 1.0], color="grey", linestyle="--", label="perfectly calibrated")
    for name, (scores, labels) in series.items():
        rows = [r for r in reliability(scores, labels) if r["count"]]
        ax.plot(
            [r["confidence"] for r in rows], [r["accuracy"] for r in rows], marker="o", label=name
        )
    ax.set_xlabel("confidence (probability of the predicted label)")
    ax.set_ylabel("accuracy")
    ax.set_xlim(0.5, 1.0)
    ax.set_ylim(0.4, 1.0)
    ax.set_title("Reliability on the official test split")
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def score_histogram(series: dict[str, tuple[np.ndarray, np.ndarray]], path: Path) -> None:
    """How P(positive) spreads for truly positive and truly negative texts."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(series), figsize=(5 * len(series), 4), squeeze=False)
    bins = np.linspace(0, 1, 41)
    for ax, (name, (scores, labels)) in zip(axes[0], series.items(), strict=True):
        ax.hist(scores[labels == 1], bins=bins, alpha=0.6, label="positive texts")
        ax.hist(scores[labels == 0], bins=bins, alpha=0.6, label="negative texts")
        ax.set_title(name)
        ax.set_xlabel("score = P(positive)")
        ax.legend(loc="upper center")
    axes[0][0].set_ylabel("texts")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
