"""The Keras networks: the tutorial baseline and the default NB-weighted n-gram model.

Only training, evaluation and the parity checks import this module (it imports Keras);
serving runs the exported weights in numpy (``model.predictor``).
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np
from keras import ops

BASELINE_WORDS = 10_000
# The tutorial network's layer width and dropout rates (with fixed dropout seeds).
BASELINE_UNITS = 50
BASELINE_DROPOUT = (0.3, 0.2)
# NBBag's learned weights start uniform in [-W_INIT, W_INIT].
W_INIT = 0.1


def build_baseline(num_words: int = BASELINE_WORDS, compiled: bool = True) -> keras.Model:
    """The classic Keras IMDB tutorial network, exactly: our yardstick."""
    inputs = keras.Input(shape=(num_words,), dtype="float32", name="multi_hot")
    x = keras.layers.Dense(BASELINE_UNITS, activation="relu")(inputs)
    x = keras.layers.Dropout(BASELINE_DROPOUT[0], seed=1)(x)
    x = keras.layers.Dense(BASELINE_UNITS, activation="relu")(x)
    x = keras.layers.Dropout(BASELINE_DROPOUT[1], seed=2)(x)
    x = keras.layers.Dense(BASELINE_UNITS, activation="relu")(x)
    outputs = keras.layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(inputs, outputs, name="tutorial_baseline")
    if compiled:
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

    The logit is ``b + scale * sum_i r_i * (w_i + adj)`` over the text's distinct features,
    where ``r`` is fixed from the training counts and ``w`` is learned (NBSVM, Wang & Manning
    2012, in the trainable form of fast.ai's NBSVM++). Id 0 is padding.
    """

    # Knobs v1 artifacts still record in their saved config, always 0.0 there; since removed.
    _RETIRED = ("power", "k")

    def __init__(self, num_features: int, adj: float = 0.4, scale: float = 0.1, **kwargs):
        super().__init__(**kwargs)
        self.num_features = num_features
        self.adj = adj
        self.scale = scale

    def build(self, input_shape) -> None:
        self.w = self.add_weight(
            shape=(self.num_features,),
            name="w",
            initializer=keras.initializers.RandomUniform(-W_INIT, W_INIT, seed=1),
        )
        self.r = self.add_weight(
            shape=(self.num_features,), name="r", initializer="zeros", trainable=False
        )
        self.b = self.add_weight(shape=(), name="b", initializer="zeros")

    def call(self, ids):
        mask = ops.cast(ids > 0, "float32")
        effective = self.scale * self.r * (self.w + self.adj)
        total = ops.sum(ops.take(effective, ids) * mask, axis=1)
        return ops.expand_dims(total + self.b, -1)

    def effective_weights(self) -> np.ndarray:
        """Per-feature weights as serving uses them (float32, like the layer computes them)."""
        w = np.asarray(self.w.numpy(), dtype="float32")
        r = np.asarray(self.r.numpy(), dtype="float32")
        return (np.float32(self.scale) * r * (w + np.float32(self.adj))).astype("float32")

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(num_features=self.num_features, adj=self.adj, scale=self.scale)
        return config

    @classmethod
    def from_config(cls, config: dict) -> NBBag:
        """Load v1's saved layers too, whose config still names the retired zero knobs."""
        config = dict(config)
        for name in cls._RETIRED:
            if config.pop(name, 0.0):
                raise ValueError(f"NBBag no longer supports a non-zero {name!r}")
        return cls(**config)


@keras.saving.register_keras_serializable(package="sentiment")
class Calibration(keras.layers.Layer):
    """P(positive) = sigmoid(logit * exp(c0 + c1 * log(1 + n))), n = the text's feature count.

    A temperature that depends on length (see ``model.training.calibration``); c0 and c1 are
    fitted on validation after training and are not trained by gradient descent.
    """

    def build(self, input_shape) -> None:
        self.c = self.add_weight(shape=(2,), name="c", initializer="zeros", trainable=False)

    def call(self, inputs):
        logits, ids = inputs
        n = ops.sum(ops.cast(ids > 0, "float32"), axis=1, keepdims=True)
        return ops.sigmoid(logits * ops.exp(self.c[0] + self.c[1] * ops.log1p(n)))


@keras.saving.register_keras_serializable(package="sentiment")
class LexiconCalibration(keras.layers.Layer):
    """P(positive) = sigmoid(logit * exp(c0 + c1 * log(1 + n)) + c2 * lexicon).

    ``Calibration`` with the lexicon's scale c2 fitted beside the temperature, on validation
    (``model.training.calibration.fit_with_lexicon``); not trained by gradient descent.
    """

    def build(self, input_shape) -> None:
        self.c = self.add_weight(shape=(3,), name="c", initializer="zeros", trainable=False)

    def call(self, inputs):
        logits, lexicon, ids = inputs
        n = ops.sum(ops.cast(ids > 0, "float32"), axis=1, keepdims=True)
        temperature = ops.exp(self.c[0] + self.c[1] * ops.log1p(n))
        return ops.sigmoid(logits * temperature + self.c[2] * lexicon)


@keras.saving.register_keras_serializable(package="sentiment")
class LexiconTerm(keras.layers.Layer):
    """``weight * lexicon``: the length-normalised lexicon valence's say in the logit.

    One learned scalar, trained with the n-gram weights, so the data decide how much the
    lexicon counts next to what IMDB taught the bag.
    """

    def __init__(self, initial: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.initial = initial

    def build(self, input_shape) -> None:
        self.weight = self.add_weight(
            shape=(), name="weight", initializer=keras.initializers.Constant(self.initial)
        )

    def call(self, lexicon):
        return lexicon * self.weight

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(initial=self.initial)
        return config


@dataclass(frozen=True)
class NBBagModels:
    """The default network's three views, sharing their weights."""

    train: keras.Model  # P(positive) before calibration, what gradient descent fits
    logits: keras.Model  # the uncalibrated logit, for the calibration fit
    calibrated: keras.Model  # calibrated P(positive): what is saved as model.keras
    bag: NBBag
    lexicon: LexiconTerm | None
    # True: the calibration re-fits the lexicon's scale, and ``logits`` is the bag's alone.
    lexicon_calibrated: bool = False


def build_nbbag(
    num_features: int,
    nb_ratios: np.ndarray,
    *,
    adj: float,
    scale: float,
    learning_rate: float,
    lexicon_initial: float | None = None,
    lexicon_calibration: bool = False,
) -> NBBagModels:
    """The NB-weighted bag; with ``lexicon_initial`` set, plus a lexicon input and its weight.

    Inputs: int32 feature ids (0-padded), and with the lexicon a float32 ``(1,)`` column of
    ``Lexicon.feature`` values. With ``lexicon_calibration`` the lexicon term shapes training
    only: the calibrated model weighs the lexicon by the scale its calibration fits.
    """
    ids = keras.Input(shape=(None,), dtype="int32", name="feature_ids")
    bag = NBBag(num_features, adj=adj, scale=scale, name="nb_bag")
    bag_logits = logits = bag(ids)
    bag.r.assign(nb_ratios.astype("float32"))
    inputs: keras.KerasTensor | list[keras.KerasTensor] = ids
    lexicon_term = None
    if lexicon_initial is not None:
        lexicon = keras.Input(shape=(1,), dtype="float32", name="lexicon")
        lexicon_term = LexiconTerm(lexicon_initial, name="lexicon_term")
        logits = keras.layers.Add(name="logit")([logits, lexicon_term(lexicon)])
        inputs = [ids, lexicon]
    lexicon_calibrated = lexicon_term is not None and lexicon_calibration
    train_model = keras.Model(
        inputs, keras.layers.Activation("sigmoid")(logits), name="nbbag_train"
    )
    train_model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    if lexicon_calibrated:
        probability = LexiconCalibration(name="calibration")([bag_logits, lexicon, ids])
    else:
        probability = Calibration(name="calibration")([logits, ids])
    return NBBagModels(
        train=train_model,
        logits=keras.Model(inputs, bag_logits if lexicon_calibrated else logits),
        calibrated=keras.Model(inputs, probability, name="nbbag"),
        bag=bag,
        lexicon=lexicon_term,
        lexicon_calibrated=lexicon_calibrated,
    )


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


@keras.saving.register_keras_serializable(package="sentiment")
class FeelingHead(keras.layers.Layer):
    """Logit of "expresses no feeling" (neutral): one weight per n-gram feature id plus a linear
    term over the dense features (``model.feeling.DENSE_FEATURES``). Id 0 is padding."""

    def __init__(self, num_features: int, num_dense: int, l2: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.num_features = num_features
        self.num_dense = num_dense
        self.l2 = l2

    def build(self, input_shape) -> None:
        self.u = self.add_weight(shape=(self.num_features,), name="u", initializer="zeros")
        self.v = self.add_weight(shape=(self.num_dense,), name="v", initializer="zeros")
        self.b = self.add_weight(shape=(), name="b", initializer="zeros")

    def call(self, inputs):
        ids, dense = inputs
        mask = ops.cast(ids > 0, "float32")
        bag = ops.sum(ops.take(self.u, ids) * mask, axis=1)
        if self.l2:
            self.add_loss(self.l2 * ops.sum(ops.square(ops.take(self.u, ids) * mask)))
        return ops.expand_dims(bag + ops.sum(dense * self.v, axis=1) + self.b, -1)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(num_features=self.num_features, num_dense=self.num_dense, l2=self.l2)
        return config


@keras.saving.register_keras_serializable(package="sentiment")
class Affine(keras.layers.Layer):
    """sigmoid(a * logit + b): the head's calibration, fitted after training."""

    def build(self, input_shape) -> None:
        self.c = self.add_weight(shape=(2,), name="c", initializer="zeros", trainable=False)

    def call(self, logits):
        return ops.sigmoid(self.c[0] * logits + self.c[1])


@dataclass(frozen=True)
class FeelingModels:
    train: keras.Model  # sigmoid of the raw logit, what gradient descent fits
    logits: keras.Model
    calibrated: keras.Model  # calibrated P(neutral): saved as feeling.keras
    head: FeelingHead
    affine: Affine


def build_feeling(
    num_features: int, num_dense: int, *, learning_rate: float, l2: float
) -> FeelingModels:
    """The feeling head over (feature ids, dense features)."""
    ids = keras.Input(shape=(None,), dtype="int32", name="feature_ids")
    dense = keras.Input(shape=(num_dense,), dtype="float32", name="dense")
    head = FeelingHead(num_features, num_dense, l2=l2, name="feeling_head")
    logits = head([ids, dense])
    train_model = keras.Model([ids, dense], keras.layers.Activation("sigmoid")(logits))
    train_model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="binary_crossentropy")
    affine = Affine(name="calibration")
    return FeelingModels(
        train=train_model,
        logits=keras.Model([ids, dense], logits),
        calibrated=keras.Model([ids, dense], affine(logits), name="feeling"),
        head=head,
        affine=affine,
    )


@keras.saving.register_keras_serializable(package="sentiment")
class EmbeddingBag(keras.layers.Layer):
    """The sum of a learned ``dim``-vector per feature id (id 0 is padding). Rows start at zero,
    so an id never seen in training adds nothing; L2 on the rows a batch uses."""

    def __init__(self, num_features: int, dim: int, l2: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.num_features = num_features
        self.dim = dim
        self.l2 = l2

    def build(self, input_shape) -> None:
        self.e = self.add_weight(shape=(self.num_features, self.dim), name="e", initializer="zeros")

    def call(self, ids):
        mask = ops.cast(ids > 0, "float32")[..., None]
        rows = ops.take(self.e, ids, axis=0) * mask
        if self.l2:
            self.add_loss(self.l2 * ops.sum(ops.square(rows)))
        return ops.sum(rows, axis=1)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(num_features=self.num_features, dim=self.dim, l2=self.l2)
        return config


@keras.saving.register_keras_serializable(package="sentiment")
class SoftmaxCalibration(keras.layers.Layer):
    """softmax(s * logits + c): the three-way head's calibration, fitted after training."""

    def build(self, input_shape) -> None:
        self.c = self.add_weight(shape=(4,), name="c", initializer="zeros", trainable=False)

    def call(self, logits):
        return ops.softmax(self.c[0] * logits + self.c[1:], axis=-1)


@dataclass(frozen=True)
class FeelingNetModels:
    train: keras.Model  # raw logits, fitted with sparse cross-entropy
    calibrated: keras.Model  # calibrated (positive, negative, neutral): saved as feeling.keras
    bag: EmbeddingBag
    hidden: keras.layers.Dense
    out: keras.layers.Dense
    calibration: SoftmaxCalibration


def build_feeling_net(
    num_features: int,
    num_inputs: int,
    *,
    dim: int,
    hidden: int,
    learning_rate: float,
    l2: float,
) -> FeelingNetModels:
    """The three-way head over (feature ids, dense inputs): one ReLU layer, three logits."""
    ids = keras.Input(shape=(None,), dtype="int32", name="feature_ids")
    inputs = keras.Input(shape=(num_inputs,), dtype="float32", name="inputs")
    bag = EmbeddingBag(num_features, dim, l2=l2, name="bag")
    dense_hidden = keras.layers.Dense(hidden, activation="relu", name="hidden")
    out = keras.layers.Dense(3, name="logits")
    logits = out(dense_hidden(keras.layers.Concatenate()([bag(ids), inputs])))
    train_model = keras.Model([ids, inputs], logits)
    train_model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    calibration = SoftmaxCalibration(name="calibration")
    return FeelingNetModels(
        train=train_model,
        calibrated=keras.Model([ids, inputs], calibration(logits), name="feeling_net"),
        bag=bag,
        hidden=dense_hidden,
        out=out,
        calibration=calibration,
    )
