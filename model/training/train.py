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
from typing import TYPE_CHECKING

import numpy as np

from model import artifact, goemotions, workplace
from model.data import data_path, fingerprint, load_imdb
from model.emoji_table import EmojiTable
from model.lexicon import NEGATION_FACTOR, NEGATION_SCOPE, NEGATORS, TERMINATORS, Lexicon
from model.predictor import FeelingNet, SentimentPredictor
from model.text import tokenize
from model.training import calibration, crops
from model.training.emoji_source import build_emoji_table
from model.training.evaluate import (
    EVAL_CROP_SEED,
    dev_report,
    evaluate,
    selection_figures,
    short_crops,
)
from model.training.examples import Examples, make_examples
from model.training.feeling import FeelingConfig, goemotions_report, train_feeling
from model.training.lexicon_source import load_vader
from model.training.metrics import classification_report
from model.training.self_training import pseudo_label
from model.training.workplace_lines import load_workplace_lines
from model.vectorize import INDEX_FROM, Vectorizer, WordIndex, count_ngrams

if TYPE_CHECKING:
    from model.training.network import NBBagModels

log = logging.getLogger(__name__)
VERSION = artifact.DEFAULT_NAME

NBBAG, BASELINE = "nbbag", "baseline"
ARCHITECTURES = (NBBAG, BASELINE)
# Each random stream of a run has its own seed, TrainConfig.seed plus one of these offsets.
FIT_CROPS_SEED_OFFSET = 1
VALIDATION_CROPS_SEED_OFFSET = 2
BATCH_ORDER_SEED_OFFSET = 3
PSEUDO_CROPS_SEED_OFFSET = 4
FEELING_CROPS_SEED_OFFSET = 5
# One crop of every validation review for the calibration fit and the short-text figure.
VALIDATION_CROPS_PER_REVIEW = 1
# Texts per Keras call when scoring, sorted by length so that padding stays small.
SCORING_CHUNK = 1024


FEELING_HEADS = ("linear", "net")


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters. The defaults are the shipped model's, chosen on the validation split."""

    arch: str = NBBAG
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
    nb_alpha: float = 3.0
    adj: float = 0.4
    scale: float = 0.1
    epochs: int = 1
    batch_size: int = 64
    learning_rate: float = 0.02
    # The lexicon channel (VADER's lexicon, length-normalised): its weight starts here and is
    # learned with the rest. lexicon_calibration instead re-fits its scale on validation with
    # the temperature (see model.training.calibration): better calibrated on review crops,
    # worse on the short-text dev sets, so not chosen (eval/SELECTION.md, README).
    lexicon: bool = True
    lexicon_initial: float = 1.0
    lexicon_calibration: bool = False
    # Self-training: the model above (the teacher) labels train/unsup; reviews it is at least
    # this sure about, and crops of them, train the model that is saved (the student) with the
    # rest. Built and measured, not chosen (eval/SELECTION.md, README).
    self_training: bool = False
    self_train_threshold: float = 0.8
    pseudo_weight: float = 1.0
    # v3: emoji (the Emoji Sentiment Ranking + workplace overrides) and team phrases
    # (model.workplace) join the lexicon; the "expresses a feeling" head is trained on GoEmotions.
    emoji: bool = True
    workplace: bool = True
    feeling: bool = True
    # One epoch and L2 1e-3 are the net head's (amendment 4); v3's linear heads took 2 and 1e-4.
    feeling_epochs: int = 1
    feeling_batch_size: int = 64
    feeling_learning_rate: float = 0.005
    feeling_l2: float = 1e-3
    feeling_calibration_fraction: float = 0.1
    feeling_signed: bool = False
    polar_bias: bool = False
    polar_head: bool = True  # linear heads only: chosen by amendment 2 (variant v3k)
    # Variant "imdb crops": this many of the fitting reviews' crops (seeded sample) also train
    # the feeling head as "expresses a feeling", weighted feeling_imdb_weight; with
    # feeling_imdb_polar the polar head fits on them too, with their review's label.
    feeling_imdb_crops: int = 0
    feeling_imdb_weight: float = 0.3
    feeling_imdb_polar: bool = False
    # Hand-written chat ("default": model/training/data/workplace_train.jsonl; empty: none)
    # whose lines join the feeling head's and, the positive and negative ones, the polar
    # head's fitting lines, weighted workplace_train_weight; never a calibration slice. Its
    # sha256 goes into config.json. Chosen as variant v3u under eval/SELECTION.md amendment 2.
    workplace_train: str = "default"
    workplace_train_weight: float = 5.0
    # The three-way head (eval/SELECTION.md amendment 4): "linear" is v3's pair of linear
    # heads; "net" one head with a hidden layer (feeling_hidden units) over a learned bag of
    # feature-id embeddings (feeling_dim) and the dense inputs; feeling_members such nets, each
    # from its own seed, averaged into one. v4: five h16-d2 nets, chosen as e5-h16-d2 under
    # amendment 5 (v3's recipe: feeling_head=linear feeling_epochs=2 feeling_l2=0.0001).
    feeling_head: str = "net"
    feeling_dim: int = 2
    feeling_hidden: int = 16
    feeling_members: int = 5
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


def _inputs(examples: Examples, rows: np.ndarray, with_lexicon: bool):
    """The network's input for some rows: padded ids, and the lexicon column if it has one."""
    from model.training.network import pad

    ids = pad([examples.features[i] for i in rows])
    return [ids, examples.lexicon[rows, None]] if with_lexicon else ids


def _batches(examples: Examples, batch_size: int, rng, with_lexicon: bool):
    order = rng.permutation(len(examples))
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        yield _inputs(examples, rows, with_lexicon), examples.labels[rows], examples.weights[rows]


def _logits(logit_model, examples: Examples, with_lexicon: bool) -> np.ndarray:
    """Uncalibrated logits, in length-sorted chunks so padding stays small."""
    out = np.zeros(len(examples), dtype="float64")
    order = np.argsort(examples.counts(), kind="stable")
    for start in range(0, len(order), SCORING_CHUNK):
        rows = order[start : start + SCORING_CHUNK]
        out[rows] = logit_model.predict_on_batch(_inputs(examples, rows, with_lexicon))[:, 0]
    return out


def _save_without_optimizer(trained, bare, path: Path) -> None:
    """Save only the network and its weights: the optimizer state would triple the file."""
    bare.set_weights(trained.get_weights())
    bare.save(path)


def _versions() -> dict[str, str]:
    import keras
    import tensorflow as tf

    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
    }


@dataclass
class _Prepared:
    """The data every network of a run is trained and measured on."""

    source: Path
    train_texts: list[str]
    test_texts: list[str]
    test_labels: list[int]
    full_index: WordIndex
    vectorizer: Vectorizer
    lexicon: Lexicon | None
    lexicon_source: dict | None
    emoji: EmojiTable | None
    fit_tokens: list[list[str]]
    fit_labels: np.ndarray
    fit_crop_tokens: list[list[str]]
    fit_crop_labels: list[int]
    val_labels: np.ndarray
    fit: Examples
    fit_crops: Examples
    val: Examples
    val_crops: Examples


def _prepare(data, config: TrainConfig) -> _Prepared:
    """Read, split (fit / validation, seeded), build the vocabulary, vectorize, crop."""
    source = data_path(data)
    splits = load_imdb(source)
    train_texts, train_labels = _limit(splits["train"], config.limit_per_class)
    test_texts, test_labels = _limit(splits["test"], config.limit_per_class)
    log.info("read %d train and %d test reviews", len(train_texts), len(test_texts))

    tokens = [tokenize(t) for t in train_texts]
    labels = np.array(train_labels, dtype="int64")
    order = np.random.default_rng(config.seed).permutation(len(tokens))
    n_val = int(round(len(tokens) * config.validation_fraction))
    val_rows, fit_rows = np.sort(order[:n_val]), np.sort(order[n_val:])
    fit_tokens = [tokens[i] for i in fit_rows]
    fit_labels = labels[fit_rows]
    val_tokens = [tokens[i] for i in val_rows]
    val_labels = labels[val_rows]

    # Vocabulary from the fitting reviews only: the validation split stays unseen.
    full_index = WordIndex.build(fit_tokens)
    word_index = WordIndex(full_index.words[: max(0, config.max_words - INDEX_FROM)])
    df = count_ngrams(fit_tokens, config.max_n) if config.max_n > 1 else {}
    grams = sorted((g for g, c in df.items() if c >= config.min_df), key=lambda g: (-df[g], g))
    vectorizer = Vectorizer(word_index, config.max_words, grams[: config.max_ngrams], config.max_n)
    lexicon, lexicon_source = load_vader() if config.lexicon else (None, None)
    emoji = build_emoji_table() if config.emoji else None
    if lexicon is not None and (emoji is not None or config.workplace):
        entries = dict(lexicon.entries)
        if emoji is not None:
            entries.update(emoji.valences())
        if config.workplace:
            entries.update(workplace.lexicon_entries())
        lexicon_source = {
            **(lexicon_source or {}),
            "emoji": emoji.source if emoji is not None else None,
            "workplace": "model/workplace.py" if config.workplace else None,
            "entries_with_additions": len(entries),
        }
        lexicon = Lexicon(entries)

    crop_tokens, crop_labels = crops.crops(
        fit_tokens,
        fit_labels.tolist(),
        config.crops_per_review,
        config.seed + FIT_CROPS_SEED_OFFSET,
    )
    val_crop_tokens, _ = crops.crops(
        val_tokens,
        val_labels.tolist(),
        VALIDATION_CROPS_PER_REVIEW,
        config.seed + VALIDATION_CROPS_SEED_OFFSET,
    )
    log.info(
        "%d features (%d words, %d n-grams); lexicon: %s",
        vectorizer.num_features,
        vectorizer.num_words,
        len(vectorizer.ngram_terms),
        f"{len(lexicon)} entries" if lexicon else "none",
    )
    return _Prepared(
        source=Path(source),
        train_texts=train_texts,
        test_texts=test_texts,
        test_labels=test_labels,
        full_index=full_index,
        vectorizer=vectorizer,
        lexicon=lexicon,
        lexicon_source=lexicon_source,
        emoji=emoji,
        fit_tokens=fit_tokens,
        fit_labels=fit_labels,
        fit_crop_tokens=crop_tokens,
        fit_crop_labels=crop_labels,
        val_labels=val_labels,
        fit=make_examples(vectorizer, lexicon, fit_tokens, fit_labels),
        fit_crops=make_examples(vectorizer, lexicon, crop_tokens, crop_labels, config.crop_weight),
        val=make_examples(vectorizer, lexicon, val_tokens, val_labels),
        val_crops=make_examples(vectorizer, lexicon, val_crop_tokens, val_labels),
    )


@dataclass
class _Fitted:
    """One fitted and calibrated default network, and its numpy twin."""

    models: NBBagModels
    predictor: SentimentPredictor
    serving: dict
    history: list[float]
    calibration_scores: np.ndarray  # validation reviews, then their crops


def _fit(
    prep: _Prepared, config: TrainConfig, examples: Examples, nb_counts: Examples, rng
) -> _Fitted:
    """Fit the default network on ``examples`` (NB ratios from ``nb_counts``), calibrate it on
    the validation reviews and their crops, and build its serving predictor."""
    from model.training.network import build_nbbag, nb_ratios

    vectorizer = prep.vectorizer
    with_lexicon = prep.lexicon is not None
    ratios = nb_ratios(
        nb_counts.features, nb_counts.labels, vectorizer.num_features, config.nb_alpha
    )
    models = build_nbbag(
        vectorizer.num_features,
        ratios,
        adj=config.adj,
        scale=config.scale,
        learning_rate=config.learning_rate,
        lexicon_initial=config.lexicon_initial if with_lexicon else None,
        lexicon_calibration=config.lexicon_calibration,
    )
    history = []
    for epoch in range(config.epochs):
        losses = [
            models.train.train_on_batch(xb, yb, sample_weight=wb)[0]
            for xb, yb, wb in _batches(examples, config.batch_size, rng, with_lexicon)
        ]
        history.append(float(np.mean(losses)))
        log.info("epoch %d: loss %.4f", epoch + 1, history[-1])
    held_out = prep.val + prep.val_crops
    logits = _logits(models.logits, held_out, with_lexicon)
    counts, labels = held_out.counts(), held_out.labels.astype(int)
    serving: dict = {"bias": float(models.bag.b.numpy())}
    if models.lexicon_calibrated:
        c0, c1, c2 = calibration.fit_with_lexicon(logits, counts, labels, held_out.lexicon)
        constants = [c0, c1, c2]
        serving.update(calibration=[c0, c1], lexicon_weight=0.0, lexicon_scale=c2)
        scores = calibration.apply(logits, counts, c0, c1, held_out.lexicon, c2)
    else:
        c0, c1 = constants = list(calibration.fit(logits, counts, labels))
        serving["calibration"] = [c0, c1]
        if models.lexicon is not None:
            serving["lexicon_weight"] = float(models.lexicon.weight.numpy())
        scores = calibration.apply(logits, counts, c0, c1)
    models.calibrated.get_layer("calibration").c.assign(np.array(constants, dtype="float32"))
    predictor = SentimentPredictor(
        vectorizer,
        models.bag.effective_weights(),
        serving["bias"],
        calibration=(c0, c1),
        lexicon=prep.lexicon,
        lexicon_weight=serving.get("lexicon_weight", 0.0),
        lexicon_scale=serving.get("lexicon_scale", 0.0),
        emoji=prep.emoji,
    )
    return _Fitted(models, predictor, serving, history, scores)


def _validation_reports(prep: _Prepared, fitted: _Fitted) -> dict:
    n_val = len(prep.val)
    return {
        "validation": classification_report(fitted.calibration_scores[:n_val], prep.val_labels),
        "validation_short": classification_report(
            fitted.calibration_scores[n_val:], prep.val_labels
        ),
    }


def _train_nbbag(
    prep: _Prepared, config: TrainConfig, data, out: Path, goemotions_data=None, clean=None
) -> tuple[dict, dict, float]:
    """Fit (teacher, then with self-training a student), calibrate and save the default network.

    Returns (metrics, what config.json records about it, seconds spent fitting and calibrating).
    """
    rng = np.random.default_rng(config.seed + BATCH_ORDER_SEED_OFFSET)
    fit_started = time.perf_counter()
    labelled = prep.fit + prep.fit_crops
    fitted = _fit(prep, config, labelled, prep.fit, rng)
    record: dict = {}
    metrics: dict = {}
    if config.self_training:
        teacher = _validation_reports(prep, fitted)
        pseudo = pseudo_label(
            fitted.predictor, data, config.self_train_threshold, config.limit_per_class
        )
        pseudo_crop_tokens, pseudo_crop_labels = crops.crops(
            pseudo.tokens,
            pseudo.labels.tolist(),
            config.crops_per_review,
            config.seed + PSEUDO_CROPS_SEED_OFFSET,
        )
        weight = config.pseudo_weight
        reviews = make_examples(prep.vectorizer, prep.lexicon, pseudo.tokens, pseudo.labels, weight)
        pseudo_crops = make_examples(
            prep.vectorizer,
            prep.lexicon,
            pseudo_crop_tokens,
            pseudo_crop_labels,
            weight * config.crop_weight,
        )
        log.info("self-training on %d of %d unlabelled reviews", len(reviews), pseudo.unlabelled)
        fitted = _fit(prep, config, labelled + reviews + pseudo_crops, prep.fit + reviews, rng)
        record["self_training"] = metrics["self_training"] = {
            "unlabelled_reviews": pseudo.unlabelled,
            "confident_reviews": len(reviews),
            "positive_share": round(float(pseudo.labels.mean()), 4) if len(reviews) else None,
            "teacher_validation_accuracy": teacher["validation"]["accuracy"],
            "teacher_validation_short_accuracy": teacher["validation_short"]["accuracy"],
        }
    fit_seconds = time.perf_counter() - fit_started

    vectorizer = prep.vectorizer
    fitted.models.calibrated.save(out / artifact.MODEL_FILE)
    vectorizer.word_index.save(out / artifact.WORD_INDEX_FILE)
    artifact.write_json(out / artifact.NGRAMS_FILE, vectorizer.ngram_terms)
    np.save(out / artifact.WEIGHTS_FILE, fitted.models.bag.effective_weights(), allow_pickle=False)
    if prep.lexicon is not None:
        prep.lexicon.save(out / artifact.LEXICON_FILE)
        record["lexicon"] = {
            **(prep.lexicon_source or {}),
            "negators": sorted(NEGATORS),
            "negation_scope_tokens": NEGATION_SCOPE,
            "negation_factor": NEGATION_FACTOR,
            "terminators": sorted(TERMINATORS),
            "input": "valence sum / word count",
            "scale": "fitted with the calibration"
            if fitted.models.lexicon_calibrated
            else "learned, inside the temperature",
        }
    record["serving"] = fitted.serving
    record["history"] = {"loss": fitted.history}
    predictor = fitted.predictor
    if prep.emoji is not None:
        prep.emoji.save(out / artifact.EMOJI_FILE)
    if config.feeling:
        feeling_started = time.perf_counter()
        chat = load_workplace_lines(config.workplace_train) if config.workplace_train else None
        feeling_models, head, record["feeling"] = train_feeling(
            predictor,
            FeelingConfig(
                seed=config.seed,
                epochs=config.feeling_epochs,
                batch_size=config.feeling_batch_size,
                learning_rate=config.feeling_learning_rate,
                l2=config.feeling_l2,
                calibration_fraction=config.feeling_calibration_fraction,
                signed=config.feeling_signed,
                polar_bias=config.polar_bias,
                polar_head=config.polar_head,
                imdb_weight=config.feeling_imdb_weight,
                imdb_polar=config.feeling_imdb_polar,
                workplace_weight=config.workplace_train_weight,
                head=config.feeling_head,
                dim=config.feeling_dim,
                hidden=config.feeling_hidden,
                members=config.feeling_members,
            ),
            goemotions_data,
            _feeling_crops(prep, config),
            (chat.texts, chat.classes) if chat is not None else None,
        )
        if chat is not None:
            record["workplace_train"] = chat.record()
        fit_seconds += time.perf_counter() - feeling_started
        feeling_models.calibrated.save(out / artifact.FEELING_MODEL_FILE)
        if isinstance(head, FeelingNet):
            head.save(out / artifact.FEELING_NET_FILE)
        else:
            np.save(out / artifact.FEELING_WEIGHTS_FILE, head.weights, allow_pickle=False)
        if "polar_head" in record["feeling"]:
            record["feeling"]["polar_head"].pop("models").calibrated.save(
                out / artifact.POLAR_MODEL_FILE
            )
            np.save(out / artifact.POLAR_WEIGHTS_FILE, head.polar_weights, allow_pickle=False)
        predictor = SentimentPredictor(
            predictor.vectorizer,
            predictor.weights,
            predictor.bias,
            calibration=predictor.calibration,
            lexicon=predictor.lexicon,
            lexicon_weight=predictor.lexicon_weight,
            lexicon_scale=predictor.lexicon_scale,
            emoji=prep.emoji,
            feeling=head,
        )
        metrics["goemotions"] = goemotions_report(predictor, goemotions_data)

    # Measure through the serving path, exactly as the bot will run it.
    metrics.update(_validation_reports(prep, fitted))
    metrics.update(evaluate(predictor, prep.test_texts, prep.test_labels, config.eval_crop_seed))
    dev = dev_report(predictor, clean=clean)
    if dev:
        metrics["dev"] = dev
        metrics["selection"] = selection_figures(metrics["validation"]["accuracy"], dev)
    log.info(
        "default model: test accuracy %.4f, ECE %.4f; short crops accuracy %.4f",
        metrics["test"]["accuracy"],
        metrics["test"]["ece"],
        metrics["test_short"]["accuracy"],
    )
    return metrics, record, fit_seconds


def _feeling_crops(prep: _Prepared, config: TrainConfig):
    """A seeded sample of ``config.feeling_imdb_crops`` fitting crops and labels, or None."""
    n = min(config.feeling_imdb_crops, len(prep.fit_crop_tokens))
    if n <= 0:
        return None
    rng = np.random.default_rng(config.seed + FEELING_CROPS_SEED_OFFSET)
    rows = np.sort(rng.choice(len(prep.fit_crop_tokens), size=n, replace=False))
    return [prep.fit_crop_tokens[i] for i in rows], [prep.fit_crop_labels[i] for i in rows]


def _train_baseline(prep: _Prepared, config: TrainConfig, out: Path) -> dict:
    """Fit and save the tutorial network on the same reviews; its test figures."""
    import keras

    from model.training.network import build_baseline, multi_hot

    keras.utils.set_random_seed(config.seed)
    baseline = build_baseline(config.baseline_words)

    def encode(token_lists):
        return multi_hot(
            [prep.full_index.encode(t, config.baseline_words) for t in token_lists],
            config.baseline_words,
        )

    baseline.fit(
        encode(prep.fit_tokens),
        prep.fit_labels.astype("float32"),
        batch_size=config.baseline_batch_size,
        epochs=config.baseline_epochs,
        shuffle=True,
        verbose=0,
    )
    _save_without_optimizer(
        baseline,
        build_baseline(config.baseline_words, compiled=False),
        out / artifact.BASELINE_FILE,
    )
    short_texts, short_labels = short_crops(
        prep.test_texts, prep.test_labels, config.eval_crop_seed
    )
    return {
        name: classification_report(
            baseline.predict(
                encode([tokenize(t) for t in texts]), batch_size=SCORING_CHUNK, verbose=0
            )[:, 0],
            np.array(labels),
        )
        for name, texts, labels in (
            ("test", prep.test_texts, prep.test_labels),
            ("test_short", short_texts, short_labels),
        )
    }


def train(
    out_dir: str | os.PathLike[str],
    data: str | os.PathLike[str] | None = None,
    config: TrainConfig | None = None,
    goemotions_data: str | os.PathLike[str] | None = None,
    clean=None,
) -> dict:
    """Train, evaluate and write the artifact to ``out_dir``; return its metrics.

    ``config.arch`` "nbbag" (the default) trains the default network and, unless
    ``config.baseline`` is off, the tutorial network beside it as a yardstick; "baseline" trains
    only the tutorial network, whose figures then stand under ``test`` as well. ``clean`` is
    the text cleaning the dev-set reactions are measured after (scripts/train.py passes the
    bot's Slack cleaning; model/ imports nothing from bot/).
    """
    config = config or TrainConfig()
    if config.arch not in ARCHITECTURES:
        raise ValueError(f"unknown arch {config.arch!r}: choose from {', '.join(ARCHITECTURES)}")
    if config.feeling_head not in FEELING_HEADS:
        raise ValueError(
            f"unknown feeling_head {config.feeling_head!r}: choose from {', '.join(FEELING_HEADS)}"
        )
    if config.feeling_members < 1 or (config.feeling_members > 1 and config.feeling_head != "net"):
        raise ValueError(
            f"feeling_members={config.feeling_members} needs feeling_head=net and at least 1"
        )
    started = time.perf_counter()
    _seed_everything(config.seed)
    prep = _prepare(data, config)
    prep_seconds = time.perf_counter() - started
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    metrics: dict = {"version": VERSION, "architecture": config.arch}
    seconds: dict[str, float | None] = {"default_model": None, "baseline": None}
    record: dict = {"serving": None, "history": {"loss": []}}
    if config.arch == NBBAG:
        part, record, fit_seconds = _train_nbbag(prep, config, data, out, goemotions_data, clean)
        metrics.update(part)
        # Reading, vocabulary, vectorizing, fitting and calibrating; not saving or testing.
        seconds["default_model"] = round(prep_seconds + fit_seconds, 1)
        seconds["default_fit"] = round(fit_seconds, 1)
    if config.arch == BASELINE or config.baseline:
        base_started = time.perf_counter()
        metrics["baseline"] = _train_baseline(prep, config, out)
        seconds["baseline"] = round(time.perf_counter() - base_started, 1)
        if config.arch == BASELINE:
            prep.vectorizer.word_index.save(out / artifact.WORD_INDEX_FILE)
            metrics.update(metrics["baseline"])
    seconds["total"] = round(time.perf_counter() - started, 1)
    metrics["training_seconds"] = seconds
    record = {
        "version": VERSION,
        "architecture": config.arch,
        "vectorizer": prep.vectorizer.config(),
        "serving": record["serving"],
        **{key: record[key] for key in ("lexicon", "self_training", "feeling") if key in record},
        "hyperparameters": asdict(config),
        "data": {
            "path_name": prep.source.name,
            "sha256": fingerprint(prep.source),
            "train_reviews": len(prep.train_texts),
            "fit_reviews": len(prep.fit_tokens),
            "validation_reviews": len(prep.val_labels),
            "test_reviews": len(prep.test_texts),
            "goemotions": {p.name: fingerprint(p) for p in goemotions.source_files(goemotions_data)}
            if config.arch == NBBAG and config.feeling
            else None,
            **(
                {"workplace_train": record["workplace_train"]}
                if "workplace_train" in record
                else {}
            ),
        },
        "history": record["history"],
        "libraries": _versions(),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "training_seconds": seconds,
    }
    artifact.write_json(out / artifact.CONFIG_FILE, record)
    artifact.write_json(out / artifact.METRICS_FILE, metrics)
    return metrics
