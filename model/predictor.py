"""Serving: the trained weights run in plain Python and numpy, without TensorFlow.

The default network is linear over a bag of n-gram features, so one message costs a tokenize,
a few dict lookups and a short sum. ``tests/model/test_parity.py`` proves the scores equal the Keras
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
from model.text import PUNCTUATION_TOKENS, tokenize, word_count
from model.vectorize import Vectorizer, WordIndex

KEY_WORDS = 3
# A key word must weigh at least this share of the strongest one, or it explains little.
KEY_WORD_MIN_SHARE = 0.25


class SentimentPredictor:
    """Texts in, calibrated predictions out; thread-safe (it holds no mutable state)."""

    def __init__(
        self,
        vectorizer: Vectorizer,
        weights: np.ndarray,
        bias: float,
        *,
        calibration: tuple[float, float],
    ):
        if weights.shape != (vectorizer.num_features,):
            raise ValueError(
                f"weights have shape {weights.shape}, "
                f"vectorizer has {vectorizer.num_features} features"
            )
        self.vectorizer = vectorizer
        self.weights = weights.astype("float32")
        self._w = self.weights.tolist()  # Python floats: faster than numpy for a few ids
        self.bias = float(bias)
        self.calibration = (float(calibration[0]), float(calibration[1]))

    def logit(self, ids) -> float:
        """Uncalibrated logit of a collection of distinct feature ids, as NBBag computes it."""
        w = self._w
        return sum([w[i] for i in ids]) + self.bias

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
        spans, known = self.vectorizer.analyze(tokens)
        score = self.calibrate(self.logit(spans), len(spans))
        positive = score >= 0.5
        return Prediction(
            label=POSITIVE if positive else NEGATIVE,
            confidence=score if positive else 1.0 - score,
            score=score,
            known_words=known,
            words=word_count(tokens),
            key_words=self.key_words(tokens, spans, positive),
        )

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

    def key_words(
        self,
        tokens: list[str],
        spans: dict[int, tuple[int, int]],
        positive: bool,
        limit: int = KEY_WORDS,
    ) -> list[str]:
        """The words or phrases that pushed hardest towards the decided label, strongest first.

        Phrases are picked greedily so that no word of the text is shown twice, and only those
        with at least ``KEY_WORD_MIN_SHARE`` of the strongest one's weight.
        """
        w = self._w
        sign = 1.0 if positive else -1.0
        candidates = sorted(
            (
                (sign * w[index], start, n)
                for index, (start, n) in spans.items()
                if sign * w[index] > 0
            ),
            key=lambda c: (-c[0], c[1]),
        )
        chosen: list[str] = []
        used = 0  # bit i set: token i already shown
        for strength, start, n in candidates:
            if strength < KEY_WORD_MIN_SHARE * candidates[0][0] or len(chosen) == limit:
                break
            mask = ((1 << n) - 1) << start
            span = tokens[start : start + n]
            if used & mask or all(t in PUNCTUATION_TOKENS for t in span):
                continue
            chosen.append(" ".join(span))
            used |= mask
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
    return SentimentPredictor(
        vectorizer, weights, serving["bias"], calibration=tuple(serving["calibration"])
    )
