"""Serving: the trained weights run in plain Python and numpy, without TensorFlow.

The default network is linear: a weighted bag of n-gram features plus a weighted, length-
normalised lexicon valence. One message costs a tokenize, a few dict lookups and two short
sums; a batch of long texts goes through numpy (``Vectorizer.batch_features``).
``tests/model/test_parity.py`` proves the scores equal the Keras model's to 1e-5.
"""

from __future__ import annotations

import dataclasses
import math
import os
import threading
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from model import artifact
from model.emoji_table import EmojiTable
from model.feeling import BASE_DENSE, dense_features, sigmoid, softmax3, three_way
from model.key_phrases import clause_starts, reader_span
from model.lexicon import Lexicon, Match
from model.prediction import NEGATIVE, NEUTRAL, POSITIVE, Prediction
from model.text import tokenize, word_count
from model.vectorize import Vectorizer, WordIndex
from model.workplace import SARCASM_SHOWN, SARCASM_TOKEN

KEY_WORDS = 3
# A key word must weigh at least this share of the strongest one, or it explains little.
KEY_WORD_MIN_SHARE = 0.25
# Texts per numpy pass in ``scores``: large enough to amortize numpy's per-call cost, small
# enough that a batch of long reviews never holds more than a few MB of index arrays.
SCORE_CHUNK = 500


@dataclass(frozen=True)
class FeelingHead:
    """The exported "expresses a feeling" head (``model.feeling``) and the three-way calibration.

    P(neutral) = sigmoid(a * (sum of ``weights`` over the text's feature ids + ``dense`` · the
    dense features + ``bias``) + b); P(positive | a feeling) = sigmoid(``polar_temperature`` ×
    the polarity model's calibrated logit), so the verdict's polarity is always ``label``'s.
    """

    weights: np.ndarray
    dense: tuple[float, ...]
    bias: float
    calibration: tuple[float, float]
    polar_temperature: float
    polar_bias: float = 0.0  # 0 unless the artifact fitted one (then label and verdict may
    # disagree on texts whose polarity logit is within the bias of 0)
    # Variant "polar head": P(positive | a feeling) from a GoEmotions-trained correction, a
    # logistic model over the feature ids and (polarity logit, lexicon input), calibrated.
    polar_weights: np.ndarray | None = None
    polar_dense: tuple[float, ...] = ()
    polar_head_bias: float = 0.0
    polar_calibration: tuple[float, float] = (1.0, 0.0)


@dataclass(frozen=True)
class FeelingNet:
    """The v4 three-way head: one small hidden layer over a learned bag of the text's feature
    ids and the dense inputs (``model.feeling``: the first ``BASE_DENSE`` dense features, the
    polarity logit, the lexicon input), then a calibrated softmax.

    P = softmax(scale * (w2 . relu(w1 . [sum of ``embedding`` rows; inputs] + b1) + b2) + bias)
    over (positive, negative, neutral). The forced choice (``label``) stays the IMDB model's.
    """

    embedding: np.ndarray  # (features, dim)
    w1: np.ndarray  # (dim + inputs, hidden)
    b1: np.ndarray
    w2: np.ndarray  # (hidden, 3)
    b2: np.ndarray
    scale: float
    bias: tuple[float, float, float]

    def probabilities(self, ids: Sequence[int], inputs: Sequence[float]) -> dict[str, float]:
        bag = self.embedding[list(ids)].sum(axis=0, dtype="float64")
        x = np.concatenate([bag, np.asarray(inputs, dtype="float64")])
        hidden = np.maximum(x @ self.w1 + self.b1, 0.0)
        logits = (hidden @ self.w2 + self.b2) * self.scale
        return softmax3([float(logits[k]) + self.bias[k] for k in range(3)])

    def save(self, path: Path) -> None:
        np.savez_compressed(
            path,
            embedding=self.embedding,
            w1=self.w1,
            b1=self.b1,
            w2=self.w2,
            b2=self.b2,
            calibration=np.array([self.scale, *self.bias], dtype="float64"),
        )

    @classmethod
    def load(cls, path: Path) -> FeelingNet:
        with np.load(path, allow_pickle=False) as f:
            arrays = {k: f[k] for k in ("embedding", "w1", "b1", "w2", "b2", "calibration")}
        c = arrays.pop("calibration")
        # The embedding (v4: 10 floats per feature, 13 MB) is used as stored, not copied.
        parts = {k: v.astype("float64") for k, v in arrays.items() if k != "embedding"}
        parts["embedding"] = arrays["embedding"].astype("float32", copy=False)
        return cls(**parts, scale=float(c[0]), bias=(float(c[1]), float(c[2]), float(c[3])))


class Parts(NamedTuple):
    """What the polarity model makes of one text; the feeling head's inputs."""

    spans: dict[int, tuple[int, int]]
    z: float
    dense: list[float]
    lexicon: float = 0.0  # the lexicon input (valence sum per word), signed


def _float_table(weights: np.ndarray) -> array:
    """Weights to look up a few at a time from Python: indexing gives Python floats (faster
    than numpy for a few ids) from 4 bytes each, where a list of floats takes 32 (three such
    tables over 330,000 features were 30 MB of the bot's memory)."""
    return array("f", weights.astype("float32").tobytes())


class SentimentPredictor:
    """Texts in, calibrated predictions out; thread-safe (it holds no mutable state)."""

    def __init__(
        self,
        vectorizer: Vectorizer,
        weights: np.ndarray,
        bias: float,
        *,
        calibration: tuple[float, float],
        lexicon: Lexicon | None = None,
        lexicon_weight: float = 0.0,
        lexicon_scale: float = 0.0,
        emoji: EmojiTable | None = None,
        feeling: FeelingHead | FeelingNet | None = None,
    ):
        if weights.shape != (vectorizer.num_features,):
            raise ValueError(
                f"weights have shape {weights.shape}, "
                f"vectorizer has {vectorizer.num_features} features"
            )
        self.vectorizer = vectorizer
        self.weights = weights.astype("float32")
        self._w = _float_table(self.weights)
        self._w64 = self.weights.astype("float64")
        self.bias = float(bias)
        self.calibration = (float(calibration[0]), float(calibration[1]))
        self.lexicon = lexicon
        # The lexicon input counts twice over: ``lexicon_weight`` inside the temperature (as
        # learned in training), ``lexicon_scale`` after it (as fitted with the calibration).
        self.lexicon_weight = float(lexicon_weight) if lexicon is not None else 0.0
        self.lexicon_scale = float(lexicon_scale) if lexicon is not None else 0.0
        self.emoji = emoji
        self._emoji = emoji.display if emoji is not None else {}
        # How key words show tokens that are not words: emoji, and the sarcasm marker.
        self._shown = {**self._emoji, SARCASM_TOKEN: SARCASM_SHOWN}
        self.feeling = feeling
        if isinstance(feeling, FeelingNet):
            if feeling.embedding.shape[0] != vectorizer.num_features:
                raise ValueError("the feeling net's embedding does not match the vectorizer")
        elif feeling is not None:
            if feeling.weights.shape != (vectorizer.num_features,):
                raise ValueError("the feeling head's weights do not match the vectorizer")
            self._u = _float_table(feeling.weights)
            self._pw = (
                _float_table(feeling.polar_weights) if feeling.polar_weights is not None else None
            )

    def lexicon_input(
        self, tokens: Sequence[str], words: int | None = None, collect: bool = True
    ) -> tuple[float, list[Match]]:
        """The model's lexicon input for the tokens (0.0 without a lexicon) and its matches."""
        if self.lexicon is None:
            return 0.0, []
        return self.lexicon.feature(tokens, words, collect)

    def temperature(self, n: int) -> float:
        """The calibration's scale for a text with ``n`` features."""
        c0, c1 = self.calibration
        return math.exp(c0 + c1 * math.log1p(n))

    def calibrate(self, logit: float, n: int, lexicon_value: float = 0.0) -> float:
        """P(positive): the logit scaled by a temperature that depends on the feature count,
        plus the lexicon's calibrated term."""
        z = logit * self.temperature(n) + self.lexicon_scale * lexicon_value
        if z >= 0:
            return 1.0 / (1.0 + math.exp(-z))
        e = math.exp(z)
        return e / (1.0 + e)

    def predict_one(self, text: str) -> Prediction:
        if not isinstance(text, str):
            raise TypeError(f"predict takes strings, got {type(text).__name__}")
        tokens = tokenize(text)
        words = word_count(tokens)
        spans, known = self.vectorizer.analyze(tokens)
        lexicon_value, matches = self.lexicon_input(tokens, words)
        w = self._w
        logit = sum([w[i] for i in spans]) + self.bias + self.lexicon_weight * lexicon_value
        z = logit * self.temperature(len(spans)) + self.lexicon_scale * lexicon_value
        score = sigmoid(z)
        positive = score >= 0.5
        emoji = self._count_emoji(tokens) if self._emoji else 0
        probabilities = self.three_way(tokens, words, spans, matches, z, emoji, lexicon_value)
        return Prediction(
            label=POSITIVE if positive else NEGATIVE,
            confidence=score if positive else 1.0 - score,
            score=score,
            known_words=known + emoji,
            words=words,
            key_words=self.key_words(
                tokens, spans, matches, positive, words, breaks=clause_starts(text)
            ),
            verdict=max(probabilities, key=probabilities.__getitem__),
            probabilities=probabilities,
        )

    def parts(self, text: str) -> Parts:
        """The feature ids, calibrated polarity logit and the head's dense features of a text
        (training the feeling head reads them through here, as serving computes them)."""
        return self.parts_of_tokens(tokenize(text))

    def parts_of_tokens(self, tokens: Sequence[str]) -> Parts:
        """``parts`` of an already tokenized text (training reads IMDB crops through here)."""
        words = word_count(tokens)
        spans, _ = self.vectorizer.analyze(tokens)
        lexicon_value, matches = self.lexicon_input(tokens, words)
        w = self._w
        logit = sum([w[i] for i in spans]) + self.bias + self.lexicon_weight * lexicon_value
        z = logit * self.temperature(len(spans)) + self.lexicon_scale * lexicon_value
        emoji = self._count_emoji(tokens) if self._emoji else 0
        abs_valence = sum(abs(m.valence) for m in matches)
        negative = -sum(m.valence for m in matches if m.valence < 0)
        dense = dense_features(tokens, words, abs_valence, len(matches), z, emoji, negative)
        return Parts(spans, z, dense, lexicon_value)

    def _count_emoji(self, tokens: Sequence[str]) -> int:
        """Emoji tokens the table knows: they count as known words."""
        table = self._emoji
        return sum(1 for t in tokens if t in table)

    def three_way(
        self,
        tokens: Sequence[str],
        words: int,
        spans: dict[int, tuple[int, int]],
        matches: list[Match],
        z: float,
        emoji: int,
        lexicon_value: float = 0.0,
    ) -> dict[str, float]:
        """P(positive), P(negative), P(neutral). Without a feeling head (v1, v2 artifacts)
        nothing is neutral and the polarity model's probabilities stand."""
        head = self.feeling
        if head is None:
            p = sigmoid(z)
            return {POSITIVE: p, NEGATIVE: 1.0 - p, NEUTRAL: 0.0}
        negative = -sum(m.valence for m in matches if m.valence < 0)
        dense = dense_features(
            tokens, words, sum(abs(m.valence) for m in matches), len(matches), z, emoji, negative
        )
        if isinstance(head, FeelingNet):
            return head.probabilities(spans, [*dense[:BASE_DENSE], z, lexicon_value])
        u = self._u
        h = sum([u[i] for i in spans]) + head.bias
        h += sum(a * b for a, b in zip(head.dense, dense, strict=False))
        a, b = head.calibration
        if self._pw is None:
            polar = sigmoid(head.polar_temperature * z + head.polar_bias)
        else:
            pw, (pz, pl) = self._pw, head.polar_dense
            g = sum([pw[i] for i in spans]) + pz * z + pl * lexicon_value + head.polar_head_bias
            pa, pb = head.polar_calibration
            polar = sigmoid(pa * g + pb)
        # Not rounded: the three are exact complements (they sum to 1 within float rounding).
        return three_way(sigmoid(a * h + b), polar)

    def predict(self, texts: list[str] | str) -> list[Prediction]:
        """One prediction per text, in order; a single string is one text, not its characters."""
        if isinstance(texts, str):
            texts = [texts]
        return [self.predict_one(text) for text in texts]

    def scores(self, texts: list[str] | str) -> np.ndarray:
        """P(positive) for many texts at once (evaluation, benchmarks, bulk scoring).

        The same numbers as ``predict``, computed a chunk of texts at a time with numpy.
        """
        if isinstance(texts, str):
            texts = [texts]
        out = np.empty(len(texts), dtype="float64")
        for start in range(0, len(texts), SCORE_CHUNK):
            chunk = [tokenize(text) for text in texts[start : start + SCORE_CHUNK]]
            out[start : start + len(chunk)] = self.scores_of_tokens(chunk)
        return out

    def scores_of_tokens(self, token_lists: Sequence[Sequence[str]]) -> np.ndarray:
        """P(positive) of already tokenized texts, all at once with numpy."""
        out = np.empty(len(token_lists), dtype="float64")
        c0, c1 = self.calibration
        for start in range(0, len(token_lists), SCORE_CHUNK):
            chunk = token_lists[start : start + SCORE_CHUNK]
            rows, features = self.vectorizer.batch_features(chunk)
            sums = np.bincount(rows, weights=self._w64[features], minlength=len(chunk))
            counts = np.bincount(rows, minlength=len(chunk))
            lexicon = np.array([self.lexicon_input(t, collect=False)[0] for t in chunk])
            logits = sums + self.bias + self.lexicon_weight * lexicon
            z = logits * np.exp(c0 + c1 * np.log1p(counts)) + self.lexicon_scale * lexicon
            out[start : start + len(chunk)] = 0.5 * (1.0 + np.tanh(0.5 * z))
        return out

    def key_words(
        self,
        tokens: list[str],
        spans: dict[int, tuple[int, int]],
        matches: list[Match],
        positive: bool,
        words: int,
        limit: int = KEY_WORDS,
        breaks: frozenset[int] = frozenset(),
    ) -> list[str]:
        """The words or phrases that pushed hardest towards the decided label, strongest first.

        A phrase's push is its n-gram weight plus, for lexicon entries, its share of the lexicon
        term of the logit, so a lexicon word that drove the verdict shows up. Phrases are picked
        greedily so that no word of the text is shown twice, and only those with at least
        ``KEY_WORD_MIN_SHARE`` of the strongest one's push. Each is shown as a reader would name
        it (``model.key_phrases``): no phrase across a clause break (``breaks``, the indices of
        tokens that start a clause), no function words at its ends.
        """
        w = self._w
        # Pulls are minus pushes, so that a plain tuple sort puts the strongest first (ties:
        # leftmost, then shortest) without a key function: this is the serving hot path.
        against = -1.0 if positive else 1.0
        if matches:
            pull = {span: against * w[index] for index, span in spans.items()}
            # In the n-gram weights' units: the calibrated term divided by the temperature.
            weight = self.lexicon_weight + self.lexicon_scale / self.temperature(len(spans))
            per_word = against * weight / max(1, words)
            for start, n, valence in matches:
                pull[start, n] = pull.get((start, n), 0.0) + per_word * valence
            candidates = [(value, start, n) for (start, n), value in pull.items() if value < 0]
        else:
            candidates = [
                (value, start, n)
                for index, (start, n) in spans.items()
                if (value := against * w[index]) < 0
            ]
        candidates.sort()
        chosen: list[str] = []
        used = 0  # bit i set: token i already shown
        for value, start, n in candidates:
            if value > KEY_WORD_MIN_SHARE * candidates[0][0] or len(chosen) == limit:
                break
            span = reader_span(tokens, start, n, breaks)
            if span is None:
                continue
            start, n = span
            mask = ((1 << n) - 1) << start
            if used & mask:
                continue
            shown = " ".join(self._show(t) for t in tokens[start : start + n])
            used |= mask
            if shown in chosen:  # "🎉🎉🎉": one key word, not three
                continue
            chosen.append(shown)
        return chosen

    def _show(self, token: str) -> str:
        return self._shown.get(token, token)


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
    lexicon = None
    if (where / artifact.LEXICON_FILE).is_file():
        lexicon = Lexicon.load(where / artifact.LEXICON_FILE)
    emoji = None
    if (where / artifact.EMOJI_FILE).is_file():
        emoji = EmojiTable.load(where / artifact.EMOJI_FILE)
    feeling: FeelingHead | FeelingNet | None = None
    head = config.get("feeling")
    if head is not None and head.get("kind") == "net":
        feeling = FeelingNet.load(where / artifact.FEELING_NET_FILE)
    elif head is not None:
        feeling = FeelingHead(
            weights=np.load(where / artifact.FEELING_WEIGHTS_FILE, allow_pickle=False),
            dense=tuple(head["dense"]),
            bias=head["bias"],
            calibration=tuple(head["calibration"]),
            polar_temperature=head["polar_temperature"],
            polar_bias=head.get("polar_bias", 0.0),
        )
        polar = head.get("polar_head")
        if polar is not None:
            feeling = dataclasses.replace(
                feeling,
                polar_weights=np.load(where / artifact.POLAR_WEIGHTS_FILE, allow_pickle=False),
                polar_dense=tuple(polar["dense"]),
                polar_head_bias=polar["bias"],
                polar_calibration=tuple(polar["calibration"]),
            )
    return SentimentPredictor(
        vectorizer,
        weights,
        serving["bias"],
        calibration=tuple(serving["calibration"]),
        lexicon=lexicon,
        lexicon_weight=serving.get("lexicon_weight", 0.0),
        lexicon_scale=serving.get("lexicon_scale", 0.0),
        emoji=emoji,
        feeling=feeling,
    )
