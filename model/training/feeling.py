"""Training the "expresses a feeling" head on GoEmotions and measuring the three-way verdict.

GoEmotions train (lines mapped as in ``model.goemotions``; ambiguous ones left out, mixed ones
count as feelings) is split, seeded, into a fitting part and a calibration slice
(``calibration_fraction``). The head is fitted on the first; on the slice, the head's affine
calibration and the polarity temperature (P(positive | a feeling) = sigmoid(t · the polarity
model's calibrated logit), fitted on the slice's positive and negative lines) are fitted by log
loss. Dev is for choosing, test only for reporting (eval/SELECTION.md, amendment 2).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from model.feeling import BASE_DENSE, DENSE_FEATURES, NET_EXTRA
from model.goemotions import MIXED, NEGATIVE, NEUTRAL, POSITIVE, Lines, load_split
from model.predictor import FeelingHead, FeelingNet, SentimentPredictor

log = logging.getLogger(__name__)
CLASSES = (POSITIVE, NEGATIVE, NEUTRAL)
ECE_BINS = 10
VADER_THRESHOLD = 0.05  # VADER's documented compound thresholds: >= 0.05 positive, <= -0.05


@dataclass(frozen=True)
class FeelingConfig:
    seed: int
    epochs: int
    batch_size: int
    learning_rate: float
    l2: float
    calibration_fraction: float
    signed: bool = False  # the two signed valence features too
    polar_bias: bool = False  # fit a bias beside the polarity temperature
    polar_head: bool = False  # a GoEmotions-trained correction of P(positive | a feeling)
    # Variant "imdb crops": chat-sized crops of IMDB training reviews (opinions) join the
    # head's fitting lines as "expresses a feeling", with this weight; with ``imdb_polar`` the
    # polar head fits on them too, with their review's label. Calibration stays GoEmotions'.
    imdb_weight: float = 0.3
    imdb_polar: bool = False
    # Option "workplace train": hand-written chat lines (model.training.workplace_lines) join
    # the feeling head's fitting lines and, the polar ones, the polar head's, with this weight.
    workplace_weight: float = 1.0
    # "linear": the v3 heads (P(neutral), then P(positive | a feeling)); "net": one three-way
    # head with a hidden layer (model.predictor.FeelingNet), ``dim`` and ``hidden`` its sizes.
    head: str = "linear"
    dim: int = 4
    hidden: int = 16
    members: int = 1  # nets averaged into the "net" head, each from its own seed


def features(
    predictor: SentimentPredictor,
    texts: Sequence[str],
    num_dense: int = BASE_DENSE,
    tokenized: bool = False,
):
    """(feature-id lists, dense matrix, polarity logits) through the serving code; with
    ``tokenized`` the texts are token lists."""
    ids, dense, z, lexicon = [], [], [], []
    for text in texts:
        parts = predictor.parts_of_tokens(text) if tokenized else predictor.parts(text)
        ids.append(list(parts.spans))
        dense.append(parts.dense[:num_dense])
        z.append(parts.z)
        lexicon.append(parts.lexicon)
    return (
        ids,
        np.array(dense, dtype="float32"),
        np.array(z, dtype="float64"),
        np.array(lexicon, dtype="float64"),
    )


def _fit_affine(logits: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """(a, b) of sigmoid(a * logit + b) by Newton's method on log loss; deterministic."""
    x = np.stack([logits, np.ones_like(logits)], axis=1)
    theta = np.array([1.0, 0.0])
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(x @ theta)))
        grad = x.T @ (p - labels)
        hess = (x * (p * (1 - p))[:, None]).T @ x + 1e-6 * np.eye(2)
        step = np.linalg.solve(hess, grad)
        theta -= step
        if np.abs(step).max() < 1e-10:
            break
    return float(theta[0]), float(theta[1])


def _fit_temperature(z: np.ndarray, positive: np.ndarray) -> float:
    """t of sigmoid(t * z) by log loss on a fine grid (no bias: the sign of z stays the label)."""
    grid = np.linspace(0.05, 3.0, 591)
    signed = np.where(positive == 1, z, -z)
    losses = [np.mean(np.logaddexp(0.0, -t * signed)) for t in grid]
    return float(grid[int(np.argmin(losses))])


def train_feeling(
    predictor: SentimentPredictor, config: FeelingConfig, data=None, imdb=None, workplace=None
):
    """Fit and calibrate the head; return (Keras models, serving head, record).

    ``imdb``: optional (token lists, 0/1 labels) of IMDB crops that join the fitting lines as
    feelings (``FeelingConfig.imdb_weight``), never the calibration slice. ``workplace``:
    optional (texts, classes) of hand-written chat that join both heads' fitting lines
    (``FeelingConfig.workplace_weight``), never the calibration slice."""
    from model.training.network import build_feeling, pad

    train = load_split("train", data)
    keep = [i for i, c in enumerate(train.classes) if c is not None]
    fit_rows, cal_rows, rng = calibration_slice(keep, config.seed, config.calibration_fraction)
    texts = train.texts
    num_dense = len(DENSE_FEATURES) if config.signed else BASE_DENSE
    ids, dense, z, lexicon = features(predictor, texts, num_dense)
    neutral = np.array([c == NEUTRAL for c in train.classes], dtype="float32")
    is_pos = np.array([c == POSITIVE for c in train.classes], dtype="float32")
    weights = np.ones(len(train), dtype="float32")
    imdb_rows: list[int] = []
    if imdb is not None and len(imdb[0]):
        crop_tokens, crop_labels = imdb
        c_ids, c_dense, c_z, c_lexicon = features(predictor, crop_tokens, num_dense, True)
        imdb_rows = list(range(len(ids), len(ids) + len(c_ids)))
        ids = ids + c_ids
        dense = np.concatenate([dense, c_dense])
        z = np.concatenate([z, c_z])
        lexicon = np.concatenate([lexicon, c_lexicon])
        neutral = np.concatenate([neutral, np.zeros(len(c_ids), dtype="float32")])
        is_pos = np.concatenate([is_pos, np.asarray(crop_labels, dtype="float32")])
        weights = np.concatenate(
            [weights, np.full(len(c_ids), config.imdb_weight, dtype="float32")]
        )
    workplace_rows: list[int] = []
    workplace_polar: list[int] = []
    if workplace is not None and len(workplace[0]):
        w_texts, w_classes = workplace
        w_ids, w_dense, w_z, w_lexicon = features(predictor, w_texts, num_dense)
        start = len(ids)
        workplace_rows = list(range(start, start + len(w_ids)))
        workplace_polar = [start + i for i, c in enumerate(w_classes) if c in (POSITIVE, NEGATIVE)]
        ids = ids + w_ids
        dense = np.concatenate([dense, w_dense])
        z = np.concatenate([z, w_z])
        lexicon = np.concatenate([lexicon, w_lexicon])
        neutral = np.concatenate([neutral, np.array([c == NEUTRAL for c in w_classes], "float32")])
        is_pos = np.concatenate([is_pos, np.array([c == POSITIVE for c in w_classes], "float32")])
        weights = np.concatenate(
            [weights, np.full(len(w_ids), config.workplace_weight, dtype="float32")]
        )
    if not imdb_rows and not workplace_rows:
        weights = None  # exactly the unweighted fit the shipped head had
    net = config.head == "net"
    lines = {
        "train_fit": len(fit_rows),
        "train_calibration": len(cal_rows),
        "train_left_out_ambiguous": len(train) - len(keep),
        # the net scores three classes: mixed lines are left out of it
        "train_mixed_left_out" if net else "train_mixed": sum(
            train.classes[i] == MIXED for i in keep
        ),
        **({"imdb_crops": len(imdb_rows)} if imdb_rows else {}),
        **({"workplace_train": len(workplace_rows)} if workplace_rows else {}),
    }
    if net:
        classes = list(train.classes)
        crops = is_pos[len(train) : len(train) + len(imdb_rows)]
        classes += [POSITIVE if y else NEGATIVE for y in crops]
        classes += list(workplace[1]) if workplace_rows else []
        return _train_net(
            predictor,
            config,
            ids,
            net_inputs(dense, z, lexicon),
            classes,
            (fit_rows + imdb_rows + workplace_rows, cal_rows),
            rng,
            weights,
            lines,
        )
    models = build_feeling(
        predictor.vectorizer.num_features,
        num_dense,
        learning_rate=config.learning_rate,
        l2=config.l2,
    )
    history = fit_head(
        models.train,
        ids,
        dense,
        neutral,
        np.array(fit_rows + imdb_rows + workplace_rows),
        config,
        rng,
        weights,
    )
    cal = np.array(cal_rows)
    cal_logits = models.logits.predict_on_batch([pad([ids[i] for i in cal]), dense[cal]])[:, 0]
    a, b = _fit_affine(cal_logits.astype("float64"), neutral[cal].astype("float64"))
    models.affine.c.assign(np.array([a, b], dtype="float32"))
    polar = [i for i in cal_rows if train.classes[i] in (POSITIVE, NEGATIVE)]
    is_positive = np.array([train.classes[i] == POSITIVE for i in polar], dtype="float64")
    if config.polar_bias:
        t, polar_bias = _fit_affine(z[polar], is_positive)
    else:
        t, polar_bias = _fit_temperature(z[polar], is_positive), 0.0
    polar_record = None
    polar_parts: dict = {}
    if config.polar_head:
        polar_dense = np.stack([z, lexicon], axis=1).astype("float32")
        polar_fit = [i for i in fit_rows if train.classes[i] in (POSITIVE, NEGATIVE)]
        if config.imdb_polar:
            polar_fit += imdb_rows
        polar_fit += workplace_polar
        polar_models = build_feeling(
            predictor.vectorizer.num_features, 2, learning_rate=config.learning_rate, l2=config.l2
        )
        polar_history = fit_head(
            polar_models.train, ids, polar_dense, is_pos, np.array(polar_fit), config, rng, weights
        )
        pc = np.array(polar)
        g = polar_models.logits.predict_on_batch([pad([ids[i] for i in pc]), polar_dense[pc]])
        pa, pb = _fit_affine(g[:, 0].astype("float64"), is_pos[pc].astype("float64"))
        polar_models.affine.c.assign(np.array([pa, pb], dtype="float32"))
        polar_parts = {
            "polar_weights": np.asarray(polar_models.head.u.numpy(), dtype="float32"),
            "polar_dense": tuple(float(x) for x in polar_models.head.v.numpy()),
            "polar_head_bias": float(polar_models.head.b.numpy()),
            "polar_calibration": (pa, pb),
        }
        polar_record = {
            "dense": list(polar_parts["polar_dense"]),
            "dense_features": ["polarity logit", "lexicon input"],
            "bias": polar_parts["polar_head_bias"],
            "calibration": [pa, pb],
            "history": {"loss": polar_history},
            "models": polar_models,
        }
    head = FeelingHead(
        weights=np.asarray(models.head.u.numpy(), dtype="float32"),
        dense=tuple(float(x) for x in models.head.v.numpy()),
        bias=float(models.head.b.numpy()),
        calibration=(a, b),
        polar_temperature=t,
        polar_bias=polar_bias,
        **polar_parts,
    )
    record = {
        "dense": list(head.dense),
        "dense_features": list(DENSE_FEATURES[:num_dense]),
        "bias": head.bias,
        "calibration": [a, b],
        "polar_temperature": t,
        "polar_bias": polar_bias,
        "history": {"loss": history},
        "lines": {
            **lines,
            **({"workplace_train_polar": len(workplace_polar)} if workplace_rows else {}),
        },
    }
    if polar_record is not None:
        record["polar_head"] = polar_record
    return models, head, record


def _train_net(predictor, config: FeelingConfig, ids, inputs, classes, rows, rng, weights, lines):
    """The "net" head: fit ``config.members`` nets on the fitting rows, each from its own seed,
    average their logits, calibrate the average on the slice.

    One epoch leaves a net about 0.3 points of weekly neutral-share error from where another
    seed would put it (eval/SELECTION.md, amendment 4); the average of several is steadier. The
    average of k nets is itself one net, k times as wide (``combine_nets``), so serving and the
    saved Keras model stay one net whatever k is."""
    import keras

    from model.training.network import build_feeling_net

    fit_rows, cal_rows = rows
    y = np.array([CLASSES.index(c) if c in CLASSES else -1 for c in classes], dtype="int32")
    fit = np.array([i for i in fit_rows if y[i] >= 0])
    cal = np.array([i for i in cal_rows if y[i] >= 0])
    members, histories = [], []
    for member in range(config.members):
        # Member 0 is the single net of amendment 4 (same seed, same shuffle order).
        keras.utils.set_random_seed(config.seed + member)
        order = rng if member == 0 else np.random.default_rng([config.seed, member])
        models = build_feeling_net(
            predictor.vectorizer.num_features,
            inputs.shape[1],
            dim=config.dim,
            hidden=config.hidden,
            learning_rate=config.learning_rate,
            l2=config.l2,
        )
        histories.append(fit_head(models.train, ids, inputs, y, fit, config, order, weights))
        members.append(models)
    models = combine_nets(members, config.learning_rate) if len(members) > 1 else members[0]
    logits = batch_logits(models.train, [ids[i] for i in cal], inputs[cal])
    scale, bias = fit_softmax_calibration(logits, y[cal])
    models.calibration.c.assign(np.array([scale, *bias], dtype="float32"))
    net = FeelingNet(
        embedding=np.asarray(models.bag.e.numpy(), dtype="float32"),
        w1=np.asarray(models.hidden.kernel.numpy(), dtype="float64"),
        b1=np.asarray(models.hidden.bias.numpy(), dtype="float64"),
        w2=np.asarray(models.out.kernel.numpy(), dtype="float64"),
        b2=np.asarray(models.out.bias.numpy(), dtype="float64"),
        scale=float(np.float32(scale)),
        bias=tuple(float(np.float32(b)) for b in bias),
    )
    record = {
        "kind": "net",
        "dim": config.dim,
        "hidden": config.hidden,
        "members": config.members,
        "inputs": [*DENSE_FEATURES[:BASE_DENSE], *NET_EXTRA],
        "classes": list(CLASSES),
        "calibration": {"scale": net.scale, "bias": list(net.bias)},
        "history": {"loss": histories[0]}
        if len(histories) == 1
        else {"loss_per_member": histories},
        "lines": lines,
    }
    return models, net, record


def combine_nets(members: Sequence, learning_rate: float):
    """One net whose logits are the mean of ``members``' logits (same sizes each): the bags
    side by side (k * dim), each member's hidden units reading only its own bag and the shared
    inputs (block ``w1``), the output layers stacked and divided by k."""
    from model.training.network import build_feeling_net

    k = len(members)
    first = members[0]
    num_features, dim = first.bag.e.shape
    w1s = [m.hidden.kernel.numpy() for m in members]
    hidden = w1s[0].shape[1]
    num_inputs = w1s[0].shape[0] - dim
    combined = build_feeling_net(
        num_features,
        num_inputs,
        dim=k * dim,
        hidden=k * hidden,
        learning_rate=learning_rate,
        l2=first.bag.l2,
    )
    w1 = np.zeros((k * dim + num_inputs, k * hidden), dtype="float32")
    for j, w in enumerate(w1s):
        w1[j * dim : (j + 1) * dim, j * hidden : (j + 1) * hidden] = w[:dim]
        w1[k * dim :, j * hidden : (j + 1) * hidden] = w[dim:]
    combined.bag.e.assign(np.concatenate([m.bag.e.numpy() for m in members], axis=1))
    combined.hidden.kernel.assign(w1)
    combined.hidden.bias.assign(np.concatenate([m.hidden.bias.numpy() for m in members]))
    combined.out.kernel.assign(np.concatenate([m.out.kernel.numpy() for m in members]) / k)
    combined.out.bias.assign(np.mean([m.out.bias.numpy() for m in members], axis=0))
    return combined


def calibration_slice(
    keep: Sequence[int], seed: int, fraction: float
) -> tuple[list[int], list[int], np.random.Generator]:
    """(fitting rows, calibration rows) of the kept GoEmotions train lines, seeded, and the
    generator that drew them (it then shuffles the fitting epochs)."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(keep))
    n_cal = int(round(len(keep) * fraction))
    cal_rows = sorted(keep[i] for i in order[:n_cal])
    fit_rows = sorted(keep[i] for i in order[n_cal:])
    return fit_rows, cal_rows, rng


def net_inputs(dense: np.ndarray, z: np.ndarray, lexicon: np.ndarray) -> np.ndarray:
    """The net head's dense inputs (``model.feeling.NET_EXTRA``): the first ``BASE_DENSE``
    dense features, the polarity logit, the lexicon input."""
    return np.concatenate([dense[:, :BASE_DENSE], z[:, None], lexicon[:, None]], axis=1).astype(
        "float32"
    )


def batch_logits(model, ids: list[list[int]], inputs: np.ndarray, chunk: int = 2048) -> np.ndarray:
    """``model``'s outputs for (feature-id lists, dense inputs), ``chunk`` rows at a time."""
    from model.training.network import pad

    return np.concatenate(
        [
            np.asarray(model.predict_on_batch([pad(ids[s : s + chunk]), inputs[s : s + chunk]]))
            for s in range(0, len(ids), chunk)
        ]
    ).astype("float64")


def fit_softmax_calibration(logits: np.ndarray, y: np.ndarray) -> tuple[float, list[float]]:
    """(s, c) of softmax(s * logits + c) by Newton's method on log loss, c[2] = 0;
    deterministic."""
    n = len(y)
    theta = np.array([1.0, 0.0, 0.0])
    onehot = np.eye(3)[y]
    for _ in range(100):
        zz = theta[0] * logits + np.array([theta[1], theta[2], 0.0])
        zz -= zz.max(axis=1, keepdims=True)
        p = np.exp(zz)
        p /= p.sum(axis=1, keepdims=True)
        # d z_k / d theta: (logit_k, [k == 0], [k == 1])
        phi = np.zeros((n, 3, 3))
        phi[:, :, 0] = logits
        phi[:, 0, 1] = 1.0
        phi[:, 1, 2] = 1.0
        grad = np.einsum("nk,nkj->j", p - onehot, phi) / n
        mean_phi = np.einsum("nk,nkj->nj", p, phi)
        hess = (
            np.einsum("nk,nki,nkj->ij", p, phi, phi) - np.einsum("ni,nj->ij", mean_phi, mean_phi)
        ) / n + 1e-9 * np.eye(3)
        step = np.linalg.solve(hess, grad)
        theta -= step
        if np.abs(step).max() < 1e-10:
            break
    return float(theta[0]), [float(theta[1]), float(theta[2]), 0.0]


def fit_head(
    model, ids, dense, labels, rows: np.ndarray, config: FeelingConfig, rng, weights=None
) -> list:
    """``config.epochs`` epochs of Adam over ``rows`` in seeded order; the mean loss per epoch.
    ``weights``: each line's say in the loss (all 1 without)."""
    from model.training.network import pad

    history = []
    for epoch in range(config.epochs):
        losses = []
        shuffled = rows[rng.permutation(len(rows))]
        for start in range(0, len(shuffled), config.batch_size):
            batch = shuffled[start : start + config.batch_size]
            xb = [pad([ids[i] for i in batch]), dense[batch]]
            if weights is None:
                loss = model.train_on_batch(xb, labels[batch])
            else:
                loss = model.train_on_batch(xb, labels[batch], sample_weight=weights[batch])
            losses.append(float(loss))
        history.append(float(np.mean(losses)))
        log.info("head epoch %d: loss %.4f", epoch + 1, history[-1])
    return history


def per_class_ece(probabilities: np.ndarray, truth: np.ndarray, bins: int = ECE_BINS) -> list:
    """One-vs-rest ECE of each class's probability (10 equal bins on [0, 1])."""
    out = []
    edges = np.linspace(0.0, 1.0, bins + 1)
    for k in range(probabilities.shape[1]):
        p = probabilities[:, k]
        hit = (truth == k).astype("float64")
        which = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, bins - 1)
        total = 0.0
        for b in range(bins):
            mask = which == b
            if mask.any():
                total += mask.mean() * abs(p[mask].mean() - hit[mask].mean())
        out.append(round(float(total), 5))
    return out


def macro_f1(truth: np.ndarray, predicted: np.ndarray, k: int = 3) -> tuple[float, list]:
    f1s = []
    for c in range(k):
        tp = float(np.sum((predicted == c) & (truth == c)))
        fp = float(np.sum((predicted == c) & (truth != c)))
        fn = float(np.sum((predicted != c) & (truth == c)))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return round(float(np.mean(f1s)), 5), [round(f, 5) for f in f1s]


def three_class_report(predictor, texts: Sequence[str], classes: Sequence[str]) -> dict:
    """Macro F1, per-class F1 and ECE, confusion, of the verdict on three-class lines."""
    predictions = predictor.predict(list(texts))
    truth = np.array([CLASSES.index(c) for c in classes])
    probs = np.array([[p.probabilities[c] for c in CLASSES] for p in predictions])
    predicted = np.array([CLASSES.index(p.verdict) for p in predictions])
    f1, per_class = macro_f1(truth, predicted)
    confusion = [[int(np.sum((truth == i) & (predicted == j))) for j in range(3)] for i in range(3)]
    return {
        "n": len(truth),
        "macro_f1": f1,
        "f1": dict(zip(CLASSES, per_class, strict=True)),
        "accuracy": round(float(np.mean(truth == predicted)), 5),
        "ece": dict(zip(CLASSES, per_class_ece(probs, truth), strict=True)),
        "confusion_rows_truth_cols_predicted": confusion,
    }


def vader_report(texts: Sequence[str], classes: Sequence[str], threshold: float = VADER_THRESHOLD):
    """VADER (compound >= t positive, <= -t negative, else neutral) on the same lines."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    truth = np.array([CLASSES.index(c) for c in classes])
    compound = np.array([analyzer.polarity_scores(t)["compound"] for t in texts])
    predicted = np.where(compound >= threshold, 0, np.where(compound <= -threshold, 1, 2))
    f1, per_class = macro_f1(truth, predicted)
    return {
        "n": len(truth),
        "threshold": threshold,
        "macro_f1": f1,
        "f1": dict(zip(CLASSES, per_class, strict=True)),
    }


def three_class_lines(lines: Lines) -> tuple[list[str], list[str]]:
    rows = [(t, c) for t, c in zip(lines.texts, lines.classes, strict=True) if c in CLASSES]
    return [t for t, _ in rows], [c for _, c in rows]


def goemotions_report(predictor, data=None, splits=("dev", "test"), vader: bool = True) -> dict:
    out = {}
    for split in splits:
        texts, classes = three_class_lines(load_split(split, data))
        out[split] = three_class_report(predictor, texts, classes)
        if vader:
            out[f"{split}_vader"] = vader_report(texts, classes)
    return out
