"""The Keras networks: the tutorial baseline and the default NB-weighted n-gram model.

Only training, evaluation and the parity checks import this module (it imports Keras);
serving runs the exported weights in numpy (``model.scoring``).
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

BASELINE_WORDS = 10_000


def build_baseline(num_words: int = BASELINE_WORDS, compile: bool = True) -> keras.Model:  # noqa: A002
    """The classic Keras IMDB tutorial network, exactly: our yardstick."""
    inputs = keras.Input(shape=(num_words,), dtype="float32", name="multi_hot")
    x = keras.layers.Dense(50, activation="relu")(inputs)
    x = keras.layers.Dropout(0.3, seed=1)(x)
    x = keras.layers.Dense(50, activation="relu")(x)
    x = keras.layers.Dropout(0.2, seed=2)(x)
    x = keras.layers.Dense(50, activation="relu")(x)
    outputs = keras.layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(inputs, outputs, name="tutorial_baseline")
    if compile:
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def multi_hot(sequences: list[list[int]], num_words: int = BASELINE_WORDS) -> np.ndarray:
    """The tutorial's input: one row per text, 1.0 at every id the sequence contains."""
    out = np.zeros((len(sequences), num_words), dtype="float32")
    for row, sequence in enumerate(sequences):
        out[row, [i for i in sequence if i < num_words]] = 1.0
    return out


@keras.saving.register_keras_serializable(package="sentiment")
class NBBag(keras.layers.Layer):
    """A linear model over a bag of n-gram ids, weighted by naive-Bayes log-count ratios.

    The logit is ``b + scale * sum_i r_i * (w_i + adj) / (n + k) ** power`` over the text's
    distinct features, where ``r`` is fixed from the training counts and ``w`` is learned
    (NBSVM, Wang & Manning 2012, in the trainable form of fast.ai's NBSVM++). Dividing by a power
    of the feature count ``n`` keeps long reviews from swamping short chat messages; ``k`` damps
    the very shortest texts. Id 0 is padding.
    """

    def __init__(
        self,
        num_features: int,
        adj: float = 0.4,
        scale: float = 0.1,
        power: float = 0.0,
        k: float = 0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.num_features = num_features
        self.adj = adj
        self.scale = scale
        self.power = power
        self.k = k

    def build(self, input_shape) -> None:
        self.w = self.add_weight(
            shape=(self.num_features,),
            name="w",
            initializer=keras.initializers.RandomUniform(-0.1, 0.1, seed=1),
        )
        self.r = self.add_weight(
            shape=(self.num_features,), name="r", initializer="zeros", trainable=False
        )
        self.b = self.add_weight(shape=(), name="b", initializer="zeros")

    def call(self, ids):
        mask = ops.cast(ids > 0, "float32")
        effective = self.scale * self.r * (self.w + self.adj)
        total = ops.sum(ops.take(effective, ids) * mask, axis=1)
        if self.power:
            n = ops.maximum(ops.sum(mask, axis=1), 1.0)
            total = total / ops.power(n + self.k, self.power)
        return ops.expand_dims(total + self.b, -1)

    def effective_weights(self) -> np.ndarray:
        """Per-feature weights as serving uses them (float32, like the layer computes them)."""
        w = np.asarray(self.w.numpy(), dtype="float32")
        r = np.asarray(self.r.numpy(), dtype="float32")
        return (np.float32(self.scale) * r * (w + np.float32(self.adj))).astype("float32")

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            num_features=self.num_features,
            adj=self.adj,
            scale=self.scale,
            power=self.power,
            k=self.k,
        )
        return config


@keras.saving.register_keras_serializable(package="sentiment")
class Calibration(keras.layers.Layer):
    """P(positive) = sigmoid(logit * exp(c0 + c1 * log(1 + n))), n = the text's feature count.

    A temperature that depends on length (see ``model.calibration``); c0 and c1 are fitted on
    validation after training and are not trained by gradient descent.
    """

    def build(self, input_shape) -> None:
        self.c = self.add_weight(shape=(2,), name="c", initializer="zeros", trainable=False)

    def call(self, inputs):
        logits, ids = inputs
        n = ops.sum(ops.cast(ids > 0, "float32"), axis=1, keepdims=True)
        return ops.sigmoid(logits * ops.exp(self.c[0] + self.c[1] * ops.log1p(n)))


def build_nbbag(
    num_features: int,
    nb_ratios: np.ndarray,
    *,
    adj: float,
    scale: float,
    power: float,
    k: float,
    learning_rate: float,
) -> tuple[keras.Model, keras.Model]:
    """(trainable model on logits, calibrated model that outputs probabilities) sharing weights."""
    ids = keras.Input(shape=(None,), dtype="int32", name="feature_ids")
    bag = NBBag(num_features, adj=adj, scale=scale, power=power, k=k, name="nb_bag")
    logits = bag(ids)
    bag.r.assign(nb_ratios.astype("float32"))
    train_model = keras.Model(ids, keras.layers.Activation("sigmoid")(logits), name="nbbag_train")
    train_model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    calibrated = keras.Model(ids, Calibration(name="calibration")([logits, ids]), name="nbbag")
    return train_model, calibrated


def nb_ratios(
    feature_lists: list[list[int]], labels: np.ndarray, num_features: int, alpha: float = 1.0
) -> np.ndarray:
    """Naive-Bayes log-count ratios of binarized features, with add-``alpha`` smoothing."""
    positive = np.full(num_features, alpha)
    negative = np.full(num_features, alpha)
    for ids, label in zip(feature_lists, labels, strict=True):
        (positive if label == 1 else negative)[ids] += 1.0
    return np.log((positive / positive.sum()) / (negative / negative.sum()))


def pad(feature_lists: list[list[int]]) -> np.ndarray:
    """Zero-padded int32 batch (0 is the padding id, never a feature)."""
    width = max(1, max((len(ids) for ids in feature_lists), default=1))
    out = np.zeros((len(feature_lists), width), dtype="int32")
    for row, ids in enumerate(feature_lists):
        out[row, : len(ids)] = ids
    return out
