"""The exploratory dev-only fits eval/SELECTION.md amendment 4 cites, reproducible.

    GOEMOTIONS_DATA=... python -m benchmarks.head_exploration            # the cited runs
    GOEMOTIONS_DATA=... python -m benchmarks.head_exploration '[{"hidden": 16, "dim": 4}]'

Why this exists: before amendment 4 fixed its candidates, three-way heads were fitted outside
the training script to see which family could move the estimator's neutral error on dev data.
Each run fits one three-way softmax head on the shipped artifact's features of GoEmotions train
(minus the training script's 10% calibration slice, mixed lines left out) and the workplace
training lines (weight 5), calibrates it on the slice (``fit_softmax_calibration``) and prints
amendment 3's dev score (``dev_score_of``) and its GoEmotions-dev section. ``hidden=0`` is a
linear head (one weight vector per class); otherwise the training script's "net" head
(``build_feeling_net``). ``seed`` seeds the initial weights; the shuffle order comes from
``shuffle_seed`` (the runs the amendment cites used a fresh ``default_rng(1234)``; with
``script_shuffle`` the generator first draws the calibration slice, as the training script's
does). No test split is read.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import numpy as np

CITED = [
    {"hidden": 0, "dim": 0, "l2": 1e-4, "epochs": 2},
    {"hidden": 0, "dim": 0, "l2": 1e-4, "epochs": 3},
    {"hidden": 0, "dim": 0, "l2": 1e-5, "epochs": 2},
    {"hidden": 0, "dim": 0, "l2": 1e-3, "epochs": 4},
    {"hidden": 32, "dim": 16, "l2": 1e-4, "epochs": 2},
    {"hidden": 16, "dim": 8, "l2": 1e-3, "epochs": 2, "learning_rate": 0.002},
    {"hidden": 16, "dim": 4, "l2": 3e-3, "epochs": 2},
    {"hidden": 16, "dim": 4, "l2": 1e-3, "epochs": 1, "seed": 1},
    {"hidden": 16, "dim": 4, "l2": 1e-3, "epochs": 1, "seed": 2},
    {"hidden": 16, "dim": 4, "l2": 1e-3, "epochs": 1, "seed": 3},
    {"hidden": 32, "dim": 4, "l2": 1e-3, "epochs": 1},
    {"hidden": 16, "dim": 8, "l2": 1e-3, "epochs": 1},
    {"hidden": 16, "dim": 4, "l2": 1e-3, "epochs": 1, "learning_rate": 0.002},
    {"hidden": 16, "dim": 2, "l2": 1e-3, "epochs": 1},
    # The training script's seeds for m1-h16-d4: init 1234, the shuffle after the slice's draw.
    {"hidden": 16, "dim": 4, "l2": 1e-3, "epochs": 1, "seed": 1234, "script_shuffle": True},
]


class Data:
    """Features of the fitting lines and the dev lines, through the shipped predictor."""

    def __init__(self) -> None:
        import model
        from benchmarks.estimator_accuracy import dev_lines
        from bot.slack.text import clean
        from model.goemotions import load_split
        from model.training.feeling import CLASSES, calibration_slice, features, net_inputs
        from model.training.workplace_lines import load_workplace_lines
        from model.verdict import VerdictRule

        predictor = model.load_predictor()
        rule = VerdictRule()
        train = load_split("train")
        chat = load_workplace_lines("default")
        classes = list(train.classes) + list(chat.classes)
        ids, dense, z, lexicon = features(predictor, train.texts + chat.texts)
        self.ids, self.inputs = ids, net_inputs(dense, z, lexicon)
        self.y = np.array([CLASSES.index(c) if c in CLASSES else -1 for c in classes])
        self.weights = np.array([1.0] * len(train) + [5.0] * len(chat.texts), dtype="float32")
        # The training script's calibration slice (model.training.feeling.train_feeling).
        keep = [i for i, c in enumerate(train.classes) if c is not None]
        fit_rows, cal_rows, _ = calibration_slice(keep, 1234, 0.1)
        rows = fit_rows + list(range(len(train), len(classes)))
        self.fit_rows = np.array([i for i in rows if self.y[i] >= 0])
        self.cal_rows = np.array([i for i in cal_rows if self.y[i] >= 0])
        self.num_features = predictor.vectorizer.num_features
        self.kept = len(keep)
        self.dev = {}
        for name, lines in dev_lines().items():
            cleaned = [clean(t) for _, t in lines]
            counted = [rule.knows_enough(p) for p in predictor.predict(cleaned)]
            labels = [label for label, _ in lines]
            d_ids, d_dense, d_z, d_lexicon = features(predictor, cleaned)
            self.dev[name] = (labels, counted, (d_ids, net_inputs(d_dense, d_z, d_lexicon)))


def _linear(num_features: int, num_inputs: int, l2: float, learning_rate: float):
    import keras

    from model.training.network import EmbeddingBag

    ids = keras.Input(shape=(None,), dtype="int32")
    inputs = keras.Input(shape=(num_inputs,))
    logits = keras.layers.Add()(
        [EmbeddingBag(num_features, 3, l2=l2)(ids), keras.layers.Dense(3)(inputs)]
    )
    model = keras.Model([ids, inputs], logits)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    return model


def run_one(data: Data, setting: dict[str, Any]) -> dict[str, Any]:
    import keras

    from benchmarks.estimator_accuracy import dev_score_of
    from model.training.feeling import (
        FeelingConfig,
        batch_logits,
        fit_head,
        fit_softmax_calibration,
    )
    from model.training.network import build_feeling_net

    s = {"learning_rate": 0.005, "seed": 1, "shuffle_seed": 1234, **setting}
    keras.utils.set_random_seed(s["seed"])
    if s["hidden"]:
        model = build_feeling_net(
            data.num_features,
            data.inputs.shape[1],
            dim=s["dim"],
            hidden=s["hidden"],
            learning_rate=s["learning_rate"],
            l2=s["l2"],
        ).train
    else:
        model = _linear(data.num_features, data.inputs.shape[1], s["l2"], s["learning_rate"])
    rng = np.random.default_rng(s["shuffle_seed"])
    if s.get("script_shuffle"):
        rng.permutation(data.kept)  # as the training script: the slice is drawn first
    loop = FeelingConfig(
        seed=s["seed"],
        epochs=s["epochs"],
        batch_size=64,
        learning_rate=s["learning_rate"],
        l2=s["l2"],
        calibration_fraction=0.1,
    )
    fit_head(model, data.ids, data.inputs, data.y, data.fit_rows, loop, rng, data.weights)
    cal = data.cal_rows
    scale, bias = fit_softmax_calibration(
        batch_logits(model, [data.ids[i] for i in cal], data.inputs[cal]), data.y[cal]
    )
    tagged = {}
    for name, (labels, counted, (ids, inputs)) in data.dev.items():
        z = scale * batch_logits(model, ids, inputs) + np.array(bias)
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        tagged[name] = [
            (label, tuple(float(x) for x in p[i]) if counted[i] else None)
            for i, label in enumerate(labels)
        ]
    result = dev_score_of(tagged, "head exploration")
    return {"setting": s, "score": result["score"], "ge_section": result["ge_section"]}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    settings = json.loads(argv[0]) if argv else CITED
    started = time.perf_counter()
    data = Data()
    for setting in settings:
        r = run_one(data, setting)
        print(
            f"{json.dumps(r['setting'])}: dev score {r['score']:.3f}, "
            f"GE-dev section {r['ge_section']:.3f}",
            flush=True,
        )
    print(f"took {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
