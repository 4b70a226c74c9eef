"""Serving: the trained weights run in plain Python and numpy, without TensorFlow.

The default network is linear over a bag of n-gram features, so one message costs a tokenize,
a few dict lookups and a short sum. ``tests/test_parity.py`` proves the scores equal the Keras
model's to 1e-5.
"""

from __future__ import annotations

import math
import os
import threading
from pathlib import Path

import numpy as np

from model import artifact
from model.prediction import NEGATIVE, POSITIVE, Prediction
from model.text import PUNCTUATION_TOKENS, tokenize
from model.vectorize import Vectorizer, WordIndex

KEY_WORDS = 3


class SentimentPredictor:
    """Texts in, calibrated predictions out; thread-safe (it holds no mutable state)."""

    def __init__(self, vectorizer: Vectorizer, weights: np.ndarray, bias: float, *,
                 power: float, k: float, calibration: tuple[float, float],
                 info: dict | None = None):
        if weights.shape != (vectorizer.num_features,):
            raise ValueError(f"weights have shape {weights.shape}, "
                             f"vectorizer has {vectorizer.num_features} features")
        self.vectorizer = vectorizer
        self.weights = weights.astype("float32")
        self._w = self.weights.tolist()  # Python floats: faster than numpy for a few ids
        self.bias = float(bias)
        self.power = float(power)
        self.k = float(k)
        self.calibration = (float(calibration[0]), float(calibration[1]))
        self.info = info or {}

    def logit(self, ids: list[int]) -> float:
        """Uncalibrated logit of a feature list, as the Keras NBBag layer computes it."""
        w = self._w
        total = sum([w[i] for i in ids])
        if self.power:
            total /= (max(len(ids), 1) + self.k) ** self.power
        return total + self.bias

    def calibrate(self, logit: float, n: int) -> float:
        """P(positive): the logit scaled by a temperature that depends on the feature count."""
        c0, c1 = self.calibration
        z = logit * math.exp(c0 + c1 * math.log1p(n))
        if z >= 0:
            return 1.0 / (1.0 + math.exp(-z))
        e = math.exp(z)
        return e / (1.0 + e)

    def predict_one(self, text: str) -> Prediction:
        if not isinstance(text, str):
            raise TypeError(f"predict takes strings, got {type(text).__name__}")
        tokens = tokenize(text)
        ids, known = self.vectorizer.features_of_tokens(tokens)
        words = sum(1 for t in tokens if t not in PUNCTUATION_TOKENS)
        score = self.calibrate(self.logit(ids), len(ids))
        label = POSITIVE if score >= 0.5 else NEGATIVE
        confidence = score if score >= 0.5 else 1.0 - score
        return Prediction(label=label, confidence=confidence, score=score, known_words=known,
                          words=words, key_words=self.key_words(tokens, label == POSITIVE))

    def predict(self, texts: list[str]) -> list[Prediction]:
        """One prediction per text, in order."""
        return [self.predict_one(text) for text in texts]

    def scores(self, texts: list[str]) -> np.ndarray:
        """P(positive) for many texts, for evaluation and benchmarks."""
        out = np.empty(len(texts), dtype="float64")
        for row, text in enumerate(texts):
            ids, _, _ = self.vectorizer.features(text)
            out[row] = self.calibrate(self.logit(ids), len(ids))
        return out

    def key_words(self, tokens: list[str], positive: bool, limit: int = KEY_WORDS) -> list[str]:
        """The words or phrases that pushed hardest towards the decided label, strongest first.

        Phrases are picked greedily so that no word of the text is shown twice.
        """
        vectorizer, w = self.vectorizer, self._w
        sign = 1.0 if positive else -1.0
        candidates: list[tuple[float, int, int, str]] = []
        seen: set[int] = set()
        for n in range(1, vectorizer.max_n + 1):
            for start in range(len(tokens) - n + 1):
                span = tokens[start: start + n]
                if all(t in PUNCTUATION_TOKENS for t in span):
                    continue
                term = " ".join(span)
                index = vectorizer.feature_id(term)
                if index is None or index in seen:
                    continue
                seen.add(index)
                strength = sign * w[index]
                if strength > 0:
                    candidates.append((strength, start, start + n, term))
        candidates.sort(key=lambda c: (-c[0], c[1]))
        chosen: list[str] = []
        used: set[int] = set()
        for _, start, end, term in candidates:
            if used.intersection(range(start, end)):
                continue
            chosen.append(term)
            used.update(range(start, end))
            if len(chosen) == limit:
                break
        return chosen


_cache: dict[Path, SentimentPredictor] = {}
_lock = threading.Lock()


def load_predictor(path: str | os.PathLike[str] | None = None) -> SentimentPredictor:
    """Load an artifact once per process (the shipped one by default) and reuse it."""
    where = artifact.artifact_path(path).resolve()
    with _lock:
        cached = _cache.get(where)
        if cached is None:
            cached = _cache[where] = _load(where)
    return cached


def _load(where: Path) -> SentimentPredictor:
    artifact.check_artifact(where)
    config = artifact.read_json(where / artifact.CONFIG_FILE)
    word_index = WordIndex.load(where / artifact.WORD_INDEX_FILE)
    ngram_terms = artifact.read_json(where / artifact.NGRAMS_FILE)
    vec = config["vectorizer"]
    vectorizer = Vectorizer(word_index, vec["num_words"], ngram_terms, vec["max_n"])
    serving = config["serving"]
    weights = np.load(where / artifact.WEIGHTS_FILE, allow_pickle=False)
    info = {"name": where.name, "path": str(where), "version": config.get("version")}
    return SentimentPredictor(vectorizer, weights, serving["bias"], power=serving["power"],
                              k=serving["k"], calibration=tuple(serving["calibration"]),
                              info=info)
