"""IMDB sentiment model: data, vectorizing, network, training and prediction.

Importing this package is cheap: nothing loads until ``load_predictor`` is called, and serving
never imports TensorFlow.
"""

from __future__ import annotations

from pathlib import Path

from model.prediction import NEGATIVE, NEUTRAL, POSITIVE, Prediction, Predictor

__all__ = ["NEGATIVE", "NEUTRAL", "POSITIVE", "Prediction", "Predictor", "load_predictor"]


def load_predictor(path: str | Path | None = None):
    """Load a model artifact once (the shipped one by default) and return its predictor."""
    from model.predictor import load_predictor as _load

    return _load(path)
