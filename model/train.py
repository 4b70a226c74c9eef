"""Training: from the IMDB tarball to a versioned model artifact.

One call, ``train(...)``, reads the data, builds the word index and n-gram vocabulary from the
training reviews, fits the default network (and the tutorial baseline as a yardstick), fits the
calibration on a validation split carved out of train, measures everything on the official test
split, and writes the artifact. Fixed seeds throughout; the data hash, hyper-parameters, library
versions and timings are recorded beside the model.
"""

from __future__ import annotations

import logging
import os
import platform
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from model import artifact, calibration, crops
from model.data import data_path, fingerprint, load_imdb
from model.evaluate import EVAL_CROP_SEED, evaluate, short_crops
from model.metrics import classification_report
from model.text import tokenize
from model.vectorize import Vectorizer, WordIndex, count_ngrams

log = logging.getLogger(__name__)
VERSION = "imdb-sentiment-v1"


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters. The defaults are the shipped model's, chosen on the validation split."""

    seed: int = 1234
    validation_fraction: float = 0.1
    # Vectorizer: words by frequency, then 2- and 3-grams seen in at least min_df reviews.
    max_words: int = 30_000
    max_n: int = 3
    min_df: int = 3
    max_ngrams: int = 300_000
    # Short text: crops of every training review, weighted below full reviews.
    crops_per_review: int = 2
    crop_weight: float = 0.3
    # The NB-weighted bag (NBSVM-style), trained one epoch with Adam. nb_alpha smooths the
    # naive-Bayes counts: larger values shrink the say of rare words and phrases.
    nb_alpha: float = 1.0
    adj: float = 0.4
    scale: float = 0.1
    power: float = 0.0
    k: float = 0.0
    epochs: int = 1
    batch_size: int = 64
    learning_rate: float = 0.02
    # The Keras tutorial network, exactly.
    baseline: bool = True
    baseline_words: int = 10_000
    baseline_epochs: int = 2
    baseline_batch_size: int = 500
    # Evaluation: crops of the test reviews stand in for chat messages.
    eval_crop_seed: int = EVAL_CROP_SEED
    limit_per_class: int | None = field(default=None)


def _seed_everything(seed: int) -> None:
    import keras
    import tensorflow as tf

    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def _limit(split, limit: int | None):
    """At most ``limit`` reviews per class, for smoke runs."""
    if limit is None:
        return split.texts, split.labels
    texts, labels, seen = [], [], {0: 0, 1: 0}
    for text, label in zip(split.texts, split.labels, strict=True):
        if seen[label] < limit:
            texts.append(text)
            labels.append(label)
            seen[label] += 1
    return texts, labels


def _batches(features, labels, weights, batch_size, rng):
    from model.network import pad

    order = rng.permutation(len(features))
    for start in range(0, len(order), batch_size):
        rows = order[start: start + batch_size]
        yield pad([features[i] for i in rows]), labels[rows], weights[rows]


def _logits(logit_model, features: list[list[int]]) -> np.ndarray:
    """Uncalibrated logits, in length-sorted chunks so padding stays small."""
    from model.network import pad

    out = np.zeros(len(features), dtype="float64")
    order = np.argsort([len(f) for f in features], kind="stable")
    for start in range(0, len(order), 1024):
        rows = order[start: start + 1024]
        out[rows] = logit_model.predict_on_batch(pad([features[i] for i in rows]))[:, 0]
    return out


def _save_without_optimizer(trained, bare, path: Path) -> None:
    """Save only the network and its weights: the optimizer state would triple the file."""
    bare.set_weights(trained.get_weights())
    bare.save(path)


def _versions() -> dict[str, str]:
    import keras
    import tensorflow as tf

    return {"python": platform.python_version(), "numpy": np.__version__,
            "tensorflow": tf.__version__, "keras": keras.__version__}


def train(out_dir: str | os.PathLike[str], data: str | os.PathLike[str] | None = None,
          config: TrainConfig | None = None) -> dict:
    """Train, evaluate and write the artifact to ``out_dir``; return its metrics."""
    config = config or TrainConfig()
    started = time.perf_counter()
    _seed_everything(config.seed)
    import keras

    from model.network import (
        build_baseline,
        build_nbbag,
        multi_hot,
        nb_ratios,
    )

    source = data_path(data)
    splits = load_imdb(source)
    train_texts, train_labels = _limit(splits["train"], config.limit_per_class)
    test_texts, test_labels = _limit(splits["test"], config.limit_per_class)
    log.info("read %d train and %d test reviews", len(train_texts), len(test_texts))

    tokens = [tokenize(t) for t in train_texts]
    labels = np.array(train_labels, dtype="int64")
    rng = np.random.default_rng(config.seed)
    order = rng.permutation(len(tokens))
    n_val = int(round(len(tokens) * config.validation_fraction))
    val_rows, fit_rows = np.sort(order[:n_val]), np.sort(order[n_val:])
    fit_tokens = [tokens[i] for i in fit_rows]
    fit_labels = labels[fit_rows]
    val_tokens = [tokens[i] for i in val_rows]
    val_labels = labels[val_rows]

    # Vocabulary from the fitting reviews only: the validation split stays unseen.
    full_index = WordIndex.build(fit_tokens)
    word_index = WordIndex(full_index.words[: max(0, config.max_words - 3)])
    df = count_ngrams(fit_tokens, config.max_n) if config.max_n > 1 else {}
    grams = sorted((g for g, c in df.items() if c >= config.min_df), key=lambda g: (-df[g], g))
    vectorizer = Vectorizer(word_index, config.max_words, grams[: config.max_ngrams],
                            config.max_n)
    featurize = lambda token_lists: [vectorizer.features_of_tokens(t)[0] for t in token_lists]  # noqa: E731

    crop_tokens, crop_labels = crops.crops(fit_tokens, fit_labels.tolist(),
                                           config.crops_per_review, config.seed + 1)
    val_crop_tokens, _ = crops.crops(val_tokens, val_labels.tolist(), 1, config.seed + 2)
    fit_x, crop_x = featurize(fit_tokens), featurize(crop_tokens)
    val_x, val_crop_x = featurize(val_tokens), featurize(val_crop_tokens)
    prep_seconds = time.perf_counter() - started
    log.info("%d features (%d words, %d n-grams); prepared in %.1fs", vectorizer.num_features,
             vectorizer.num_words, len(vectorizer.ngram_terms), prep_seconds)

    # The default network.
    fit_started = time.perf_counter()
    ratios = nb_ratios(fit_x, fit_labels, vectorizer.num_features, config.nb_alpha)
    train_model, model = build_nbbag(vectorizer.num_features, ratios, adj=config.adj,
                                     scale=config.scale, power=config.power, k=config.k,
                                     learning_rate=config.learning_rate)
    x_all = fit_x + crop_x
    y_all = np.concatenate([fit_labels, np.array(crop_labels)]).astype("float32")
    w_all = np.concatenate([np.ones(len(fit_x)),
                            np.full(len(crop_x), config.crop_weight)]).astype("float32")
    batch_rng = np.random.default_rng(config.seed + 3)
    history = []
    for epoch in range(config.epochs):
        losses = [train_model.train_on_batch(xb, yb, sample_weight=wb)[0]
                  for xb, yb, wb in _batches(x_all, y_all, w_all, config.batch_size, batch_rng)]
        history.append(float(np.mean(losses)))
        log.info("epoch %d: loss %.4f", epoch + 1, history[-1])
    bag = train_model.get_layer("nb_bag")
    logit_model = keras.Model(train_model.input, bag.output)
    cal_x = val_x + val_crop_x
    cal_logits = _logits(logit_model, cal_x)
    cal_counts = np.array([len(f) for f in cal_x])
    c0, c1 = calibration.fit(cal_logits, cal_counts, np.concatenate([val_labels, val_labels]))
    model.get_layer("calibration").c.assign(np.array([c0, c1], dtype="float32"))
    fit_seconds = time.perf_counter() - fit_started
    default_seconds = time.perf_counter() - started

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model.save(out / artifact.MODEL_FILE)
    word_index.save(out / artifact.WORD_INDEX_FILE)
    artifact.write_json(out / artifact.NGRAMS_FILE, vectorizer.ngram_terms)
    np.save(out / artifact.WEIGHTS_FILE, bag.effective_weights(), allow_pickle=False)
    serving = {"bias": float(bag.b.numpy()), "power": config.power, "k": config.k,
               "calibration": [c0, c1]}

    # Measure through the serving path, exactly as the bot will run it.
    from model.predictor import SentimentPredictor

    predictor = SentimentPredictor(vectorizer, bag.effective_weights(), serving["bias"],
                                   power=config.power, k=config.k, calibration=(c0, c1))
    metrics: dict = {"version": VERSION}
    val_scores = calibration.apply(cal_logits, cal_counts, c0, c1)
    metrics["validation"] = classification_report(val_scores[: len(val_x)], val_labels)
    metrics["validation_short"] = classification_report(val_scores[len(val_x):], val_labels)
    metrics.update(evaluate(predictor, test_texts, test_labels, config.eval_crop_seed))
    log.info("default model: test accuracy %.4f, ECE %.4f; short crops accuracy %.4f",
             metrics["test"]["accuracy"], metrics["test"]["ece"],
             metrics["test_short"]["accuracy"])

    baseline_seconds = None
    if config.baseline:
        base_started = time.perf_counter()
        keras.utils.set_random_seed(config.seed)
        baseline = build_baseline(config.baseline_words)
        encode = lambda token_lists: multi_hot(  # noqa: E731
            [full_index.encode(t, config.baseline_words) for t in token_lists],
            config.baseline_words)
        test_token_lists = [tokenize(t) for t in test_texts]
        short_texts, short_labels = short_crops(test_texts, test_labels, config.eval_crop_seed)
        short_tokens = [tokenize(t) for t in short_texts]
        baseline.fit(encode(fit_tokens), fit_labels.astype("float32"),
                     batch_size=config.baseline_batch_size, epochs=config.baseline_epochs,
                     shuffle=True, verbose=0)
        baseline_seconds = time.perf_counter() - base_started
        _save_without_optimizer(baseline, build_baseline(config.baseline_words, compile=False),
                                out / artifact.BASELINE_FILE)
        metrics["baseline"] = {
            "test": classification_report(
                baseline.predict(encode(test_token_lists), batch_size=1024, verbose=0)[:, 0],
                np.array(test_labels)),
            "test_short": classification_report(
                baseline.predict(encode(short_tokens), batch_size=1024, verbose=0)[:, 0],
                np.array(short_labels)),
        }

    metrics["training_seconds"] = {"default_model": round(default_seconds, 1),
                                   "default_fit": round(fit_seconds, 1),
                                   "baseline": round(baseline_seconds, 1)
                                   if baseline_seconds is not None else None,
                                   "total": round(time.perf_counter() - started, 1)}
    record = {
        "version": VERSION,
        "architecture": "nbbag",
        "vectorizer": vectorizer.config(),
        "serving": serving,
        "hyperparameters": asdict(config),
        "data": {"path_name": Path(source).name, "sha256": fingerprint(source),
                 "train_reviews": len(train_texts), "fit_reviews": len(fit_tokens),
                 "validation_reviews": len(val_tokens), "test_reviews": len(test_texts)},
        "history": {"loss": history},
        "libraries": _versions(),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "training_seconds": metrics["training_seconds"],
    }
    artifact.write_json(out / artifact.CONFIG_FILE, record)
    artifact.write_json(out / artifact.METRICS_FILE, metrics)
    return metrics
