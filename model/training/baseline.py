"""The tutorial baseline behind the same interface as the predictor, for side-by-side figures.

It needs Keras (the ``[train]`` extra); serving never imports this module.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from model import artifact
from model.prediction import NEGATIVE, POSITIVE, Prediction
from model.text import PUNCTUATION_TOKENS, tokenize
from model.vectorize import INDEX_FROM, WordIndex

# Texts per Keras call: a chunk's multi-hot rows are 40 KB each.
CHUNK = 2048


class BaselinePredictor:
    """``baseline.keras`` on the tutorial's 10,000-word multi-hot input."""

    def __init__(self, path: str | os.PathLike[str] | None = None):
        import keras

        from model.training.network import BASELINE_WORDS

        where = artifact.artifact_path(path)
        self.model = keras.saving.load_model(Path(where) / artifact.BASELINE_FILE, compile=False)
        self.word_index = WordIndex.load(Path(where) / artifact.WORD_INDEX_FILE)
        self.num_words = int(self.model.input_shape[-1]) or BASELINE_WORDS

    def scores(self, texts: list[str]) -> np.ndarray:
        from model.training.network import multi_hot

        out = np.zeros(len(texts))
        for start in range(0, len(texts), CHUNK):
            chunk = [
                self.word_index.encode(tokenize(t), self.num_words)
                for t in texts[start : start + CHUNK]
            ]
            out[start : start + CHUNK] = self.model.predict_on_batch(
                multi_hot(chunk, self.num_words)
            )[:, 0]
        return out

    def predict(self, texts: list[str] | str) -> list[Prediction]:
        if isinstance(texts, str):
            texts = [texts]
        out = []
        for text, score in zip(texts, self.scores(texts), strict=True):
            tokens = [t for t in tokenize(text) if t not in PUNCTUATION_TOKENS]
            known = sum(
                1 for t in tokens if INDEX_FROM <= self.word_index.ids.get(t, 0) < self.num_words
            )
            positive = bool(score >= 0.5)
            out.append(
                Prediction(
                    POSITIVE if positive else NEGATIVE,
                    float(score if positive else 1 - score),
                    float(score),
                    known,
                    len(tokens),
                    [],
                )
            )
        return out
