"""How right the mood share estimates are: synthetic channels built from labelled text.

Why: the estimator (``bot.mood.estimate``) promises weekly shares within 5 points and 90%
intervals that cover; only labelled text with known shares can check that. This module

1. scores labelled messages with a predictor's three-way probabilities (``--probabilities-from
   v3``: ``prediction.probabilities`` of the v3 artifact; ``v2``: a *dry run* that derives
   three-way probabilities from today's binary P(positive), see ``v2_probabilities``), keeping
   only messages the mood record would count (the bot's Slack cleaning, then enough known
   words, as for verdicts ``react``/``lean``);
2. measures the ``Calibration`` on the fitting domains: GoEmotions **dev** and the workplace
   chat dev sets (``eval/workplace_chat/*.jsonl``), one soft confusion matrix per domain,
   pooled with equal weight, and one leave-one-domain-out bias matrix per domain;
3. builds channel-weeks from GoEmotions **test** (never used to fit anything here): shares drawn
   from positive 10-50%, negative 5-45%, neutral the rest; 50-300 messages; each message's
   label drawn from those shares and its text drawn (with replacement) from the test lines of
   that label; and reports absolute error (mean, p90, max) and 90% interval coverage per class,
   against the channel's rate and against the realized share of its messages, for the
   estimator, plain averaging of the probabilities, and today's confident-verdict share.

GoEmotions labels (``group_*.tsv``: 0 ambiguous, 1 negative, 2 neutral, 3 positive): only lines
with a single label are used; 1 -> negative, 2 -> neutral, 3 -> positive; ``0`` alone
(ambiguous: surprise, confusion, curiosity, realization) is left out, because it is neither a
polarity nor what a reader would call neutral; this is also the v3 model rule's choice.
"""

from __future__ import annotations

import json
import math
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.mood.estimate import (
    CLASSES,
    Calibration,
    Matrix,
    ShareSums,
    Vector,
    compare,
    domain_shift,
    estimate,
    soft_confusion,
)

REPO = Path(__file__).resolve().parents[1]
GOEMOTIONS = Path("/work/shared/data/goemotions")
WORKPLACE = (
    REPO / "eval/workplace_chat/workplace_chat.jsonl",
    REPO / "eval/workplace_chat/workplace_neutral.jsonl",
)
GROUP_LABELS = {"1": "negative", "2": "neutral", "3": "positive"}
V3_ARTIFACT = "model/artifacts/imdb-sentiment-v3"
V2_ARTIFACT = "model/artifacts/imdb-sentiment-v2"
HELD_OUT = (
    "held out: goemotions test, calibration fitted on goemotions dev + workplace "
    "(as shipped, with the model term)"
)

Labelled = list[tuple[str, str]]  # (label, text)
Scored = list[tuple[str, Vector]]  # (label, probabilities in CLASSES order)


def load_goemotions(split: str, root: Path = GOEMOTIONS) -> Labelled:
    """Single-label lines of ``group_{split}.tsv`` as (label, text); ambiguous left out."""
    out: Labelled = []
    with open(root / f"group_{split}.tsv", encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 2 and parts[1] in GROUP_LABELS:
                out.append((GROUP_LABELS[parts[1]], parts[0]))
    return out


def load_workplace(paths: Sequence[Path] = WORKPLACE) -> Labelled:
    out: Labelled = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    row = json.loads(line)
                    out.append((row["label"], row["text"]))
    return out


def v2_probabilities(score: float) -> Vector:
    """DRY RUN ONLY: three-way probabilities from a binary P(positive) = s.

    (s**2, (1-s)**2, 2 s (1-s)): two independent readings agreeing on a polarity, or not. Not
    calibrated for neutral at all; it only exercises the pipeline until v3's probabilities land.
    The confusion-matrix correction then carries all the weight.
    """
    s = min(max(float(score), 0.0), 1.0)
    return (s * s, (1 - s) * (1 - s), 2 * s * (1 - s))


def load_clean(path: Path | None) -> Callable[[str], str]:
    """The bot's Slack cleaning: this tree's, or the ``clean`` of another tree's
    ``bot/slack/text.py`` loaded as a lone module (v3 keeps ``:emoji:`` codes for its model)."""
    if path is None:
        from bot.slack.text import clean

        return clean
    import importlib.util

    spec = importlib.util.spec_from_file_location("_estimator_slack_text", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module.clean


def make_scorer(
    source: str, artifact: str | None, clean_module: Path | None = None
) -> tuple[Callable[[list[str]], list], str]:
    """A function texts -> [(probabilities or None if not counted)], and a description."""
    import model
    from model.verdict import VerdictRule

    clean = load_clean(clean_module)

    rule = VerdictRule()
    if source == "v3":
        path = artifact or V3_ARTIFACT
        predictor = model.load_predictor(REPO / path if not Path(path).is_absolute() else path)
        described = f"v3 probabilities from {path}"
    elif source == "v2":
        path = artifact or V2_ARTIFACT
        predictor = model.load_predictor(REPO / path if not Path(path).is_absolute() else path)
        described = f"DRY RUN: three-way probabilities derived from v2's P(positive) ({path})"
    else:
        raise ValueError(f"--probabilities-from must be v2 or v3, not {source!r}")

    def score(texts: list[str]) -> list[Vector | None]:
        out: list[Vector | None] = []
        for prediction in predictor.predict([clean(t) for t in texts]):
            if not rule.knows_enough(prediction):
                out.append(None)  # the mood record would not count it
            elif source == "v3":
                probs = getattr(prediction, "probabilities", None)
                if probs is None:
                    raise SystemExit(
                        f"{path}: predictions have no .probabilities; is this a v3 artifact?"
                    )
                out.append(tuple(float(probs[c]) for c in CLASSES))  # type: ignore[arg-type]
            else:
                out.append(v2_probabilities(prediction.score))
        return out

    return score, described


def score_set(score: Callable[[list[str]], list], labelled: Labelled) -> Scored:
    probs = score([text for _, text in labelled])
    return [(label, p) for (label, _), p in zip(labelled, probs, strict=True) if p is not None]


def _pooled(matrices: Sequence[Matrix]) -> Matrix:
    return tuple(  # type: ignore[return-value]
        tuple(sum(m[i][j] for m in matrices) / len(matrices) for j in range(3)) for i in range(3)
    )


def fit_calibration(domains: dict[str, Scored], described: str) -> Calibration:
    """Equal-weight pooled soft confusion matrix; one leave-one-domain-out shift per domain."""
    measured = {name: soft_confusion(rows) for name, rows in domains.items()}
    names = list(measured)
    shifts = tuple(
        domain_shift(_pooled([measured[o] for o in names if o != d]), measured[d]) for d in names
    )
    counts = {name: len(rows) for name, rows in domains.items()}
    return Calibration(
        confusion=_pooled(list(measured.values())),
        shifts=shifts,
        source=f"{described}; fitted on {counts} (benchmarks/estimator_accuracy.py)",
    )


def measurement_shifts(
    rows: Scored, draws: int = 30, seed: int = 0, scale: float = 1.0
) -> tuple[Matrix, ...]:
    """Bias matrices from re-measuring M on bootstrap resamples (within each class) of
    ``rows``: the model term when the error rates come from one domain's finite labelled set.

    ``scale`` > 1 when channels are then drawn from another *finite* pool of the same domain:
    that pool's own error rates differ from the population's too, by noise that shrinks with
    its size, so the two samples' noise adds: ``scale = sqrt(1 + len(rows) / len(pool))``.
    """
    measured = soft_confusion(rows)
    by_class = {c: [r for r in rows if r[0] == c] for c in CLASSES}
    rng = random.Random(seed)
    shifts = []
    for _ in range(draws):
        resample = [rng.choice(by_class[c]) for c in CLASSES for _ in by_class[c]]
        b = domain_shift(soft_confusion(resample), measured)
        shifts.append(tuple(tuple(scale * x for x in row) for row in b))
    return tuple(shifts)  # type: ignore[return-value]


def draw_shares(rng: random.Random) -> Vector:
    pos = rng.uniform(0.10, 0.50)
    neg = rng.uniform(0.05, 0.45)
    return (pos, neg, 1.0 - pos - neg)


def _pick(rng: random.Random, shares: Sequence[float]) -> int:
    u = rng.random()
    return 0 if u < shares[0] else 1 if u < shares[0] + shares[1] else 2


@dataclass
class Tally:
    """Errors and interval hits per class for one method."""

    errors: dict[str, list[float]]
    hits_rate: dict[str, int]
    hits_realized: dict[str, int]
    widths: dict[str, list[float]]
    weeks: int = 0
    by_size: dict[str, list[float]] | None = None  # "50-100" -> abs errors, all classes

    def add_size(self, n: int, error: float) -> None:
        bucket = "50-100" if n <= 100 else "101-200" if n <= 200 else "201-300"
        if self.by_size is None:
            self.by_size = {"50-100": [], "101-200": [], "201-300": []}
        self.by_size[bucket].append(error)

    @classmethod
    def empty(cls) -> Tally:
        return cls(
            {c: [] for c in CLASSES},
            dict.fromkeys(CLASSES, 0),
            dict.fromkeys(CLASSES, 0),
            {c: [] for c in CLASSES},
        )

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for c in CLASSES:
            e = sorted(self.errors[c])
            out[c] = {
                "mae": sum(e) / len(e),
                "p90": e[min(len(e) - 1, math.ceil(0.9 * len(e)) - 1)],
                "max": e[-1],
                "coverage_rate": self.hits_rate[c] / self.weeks if self.widths[c] else math.nan,
                "coverage_realized": (
                    self.hits_realized[c] / self.weeks if self.widths[c] else math.nan
                ),
                "mean_width": sum(self.widths[c]) / len(self.widths[c]) if self.widths[c] else 0,
            }
        if self.by_size:
            out["mae_by_messages"] = {
                bucket: sum(e) / len(e) for bucket, e in self.by_size.items() if e
            }
        return out


def simulate(
    pool: Scored,
    confident: dict[str, list[str]] | None,
    calibration: Calibration,
    *,
    weeks: int,
    seed: int,
    min_n: int = 50,
    max_n: int = 300,
) -> dict[str, Any]:
    """Channel-weeks from ``pool``; per method, per class, error and coverage figures.

    Also a second week per channel with fresh shares: the change's interval coverage.
    """
    by_class = {c: [p for label, p in pool if label == c] for c in CLASSES}
    rng = random.Random(seed)
    methods = {"estimator": Tally.empty(), "plain average": Tally.empty()}
    change_hits = dict.fromkeys(CLASSES, 0)
    change_errors: dict[str, list[float]] = {c: [] for c in CLASSES}
    identity = Calibration.identity()

    def week(shares: Vector, n: int) -> tuple[ShareSums, list[int]]:
        labels = [_pick(rng, shares) for _ in range(n)]
        probs = [rng.choice(by_class[CLASSES[y]]) for y in labels]
        return ShareSums.of(probs), labels

    for _ in range(weeks):
        shares = draw_shares(rng)
        n = rng.randint(min_n, max_n)
        sums, labels = week(shares, n)
        for name, cal in (("estimator", calibration), ("plain average", identity)):
            est = estimate(sums, cal)
            tally = methods[name]
            tally.weeks += 1
            for k, c in enumerate(CLASSES):
                cs = est.by_class()[c]
                realized = labels.count(k) / n
                tally.errors[c].append(abs(cs.share - shares[k]))
                tally.add_size(n, abs(cs.share - shares[k]))
                tally.hits_rate[c] += cs.low <= shares[k] <= cs.high
                tally.hits_realized[c] += cs.low <= realized <= cs.high
                tally.widths[c].append(cs.high - cs.low)
        previous_shares = draw_shares(rng)
        previous, _ = week(previous_shares, rng.randint(min_n, max_n))
        change = compare(estimate(sums, calibration), estimate(previous, calibration), calibration)
        for k, c in enumerate(CLASSES):
            ch = change.by_class()[c]
            truth = shares[k] - previous_shares[k]
            change_hits[c] += ch.low <= truth <= ch.high
            change_errors[c].append(abs(ch.difference - truth))
    result: dict[str, Any] = {name: t.summary() for name, t in methods.items()}
    result["change"] = {
        c: {
            "mae": sum(change_errors[c]) / weeks,
            "coverage": change_hits[c] / weeks,
        }
        for c in CLASSES
    }
    if confident is not None:
        result["confident share"] = _confident_share(confident, seed, weeks, min_n, max_n)
    return result


def _confident_share(
    confident: dict[str, list[str]], seed: int, weeks: int, min_n: int, max_n: int
) -> dict[str, dict[str, float]]:
    """Today's record: the share of messages with a confident verdict of the class."""
    rng = random.Random(seed)
    errors: dict[str, list[float]] = {c: [] for c in ("positive", "negative")}
    for _ in range(weeks):
        shares = draw_shares(rng)
        n = rng.randint(min_n, max_n)
        hits = {c: 0 for c in errors}
        for _ in range(n):
            y = CLASSES[_pick(rng, shares)]
            verdict = rng.choice(confident[y])  # the confident label of a random y-message
            if verdict in hits:
                hits[verdict] += 1
        for k, c in enumerate(("positive", "negative")):
            errors[c].append(abs(hits[c] / n - shares[k]))
    return {c: {"mae": sum(e) / len(e), "max": max(e)} for c, e in errors.items()}


def run(
    source: str,
    artifact: str | None,
    *,
    weeks: int = 200,
    seed: int = 2026,
    calibration_out: Path | None = None,
    clean_module: Path | None = None,
) -> dict[str, Any]:
    """Score; fit on GoEmotions dev + workplace; report on GoEmotions test, plus diagnostics."""
    started = time.perf_counter()
    score, described = make_scorer(source, artifact, clean_module)
    raw = {
        "goemotions dev": load_goemotions("dev"),
        "workplace": load_workplace(),
        "goemotions test": load_goemotions("test"),
    }
    scored = {name: score_set(score, rows) for name, rows in raw.items()}
    calibration = fit_calibration(
        {k: scored[k] for k in ("goemotions dev", "workplace")}, described
    )
    if calibration_out is not None:
        calibration_out.write_text(json.dumps(calibration.to_dict(), indent=2) + "\n")
    confident = _confident_verdicts(source, artifact, raw["goemotions test"], clean_module)
    # Diagnostics: the same estimator when its error rates come from the channel's own domain,
    # on lines not used to measure them; one domain has no spread between domains, so the model
    # term is only the measurement noise of M (bootstrap), of both the fitting lines and the
    # finite pool the channels are drawn from.
    ge_only = Calibration(
        confusion=soft_confusion(scored["goemotions dev"]),
        shifts=measurement_shifts(
            scored["goemotions dev"],
            seed=seed,
            scale=math.sqrt(1 + len(scored["goemotions dev"]) / len(scored["goemotions test"])),
        ),
        source=f"{described}; goemotions dev only",
    )
    half = random.Random(seed).sample(range(len(scored["workplace"])), len(scored["workplace"]))
    fit_half = [scored["workplace"][i] for i in half[: len(half) // 2]]
    test_half = [scored["workplace"][i] for i in half[len(half) // 2 :]]
    wp_only = Calibration(
        confusion=soft_confusion(fit_half),
        shifts=measurement_shifts(
            fit_half, seed=seed, scale=math.sqrt(1 + len(fit_half) / len(test_half))
        ),
        source=f"{described}; workplace half A only",
    )
    report: dict[str, Any] = {
        "probabilities": described,
        "pools": {
            name: {
                "lines": len(raw[name]),
                "counted": len(scored[name]),
                **{c: sum(1 for label, _ in scored[name] if label == c) for c in CLASSES},
            }
            for name in raw
        },
        "calibration": calibration.to_dict(),
        "weeks": weeks,
        "seed": seed,
        "sections": {
            HELD_OUT: simulate(
                scored["goemotions test"], confident, calibration, weeks=weeks, seed=seed
            ),
            "diagnostic, in domain: goemotions test, error rates from goemotions dev only, "
            "model term = their measurement noise": simulate(
                scored["goemotions test"], None, ge_only, weeks=weeks, seed=seed
            ),
            "diagnostic, in domain: workplace half B, error rates from half A only, "
            "model term = their measurement noise": simulate(
                test_half, None, wp_only, weeks=weeks, seed=seed + 1
            ),
        },
    }
    report["seconds"] = round(time.perf_counter() - started, 1)
    return report


def _confident_verdicts(
    source: str, artifact: str | None, labelled: Labelled, clean_module: Path | None = None
) -> dict[str, list[str]] | None:
    """Per true class, each counted message's confident label (or "" when not confident)."""
    import model
    from model.verdict import Verdict, VerdictRule

    clean = load_clean(clean_module)

    path = artifact or (V3_ARTIFACT if source == "v3" else V2_ARTIFACT)
    predictor = model.load_predictor(REPO / path if not Path(path).is_absolute() else path)
    rule = VerdictRule()
    out: dict[str, list] = {c: [] for c in CLASSES}
    for (label, _), prediction in zip(
        labelled, predictor.predict([clean(t) for _, t in labelled]), strict=True
    ):
        if not rule.knows_enough(prediction):
            continue  # not counted
        verdict = rule.decide(prediction)
        out[label].append(prediction.label if verdict is Verdict.REACT else "")
    return out if all(out.values()) else None


def format_report(report: dict[str, Any]) -> str:
    """The figures as a plain-text table."""
    lines = [f"probabilities: {report['probabilities']}"]
    for name, pool in report["pools"].items():
        lines.append(
            f"  {name}: {pool['counted']} of {pool['lines']} lines counted "
            f"({', '.join(f'{c} {pool[c]}' for c in CLASSES)})"
        )
    cal = report["calibration"]
    lines.append("soft confusion M (rows: true class; cols: mean P(" + ", ".join(CLASSES) + ")):")
    for c, row in zip(CLASSES, cal["confusion"], strict=True):
        lines.append(f"  {c:>8}: " + "  ".join(f"{x:.3f}" for x in row))
    lines.append(f"{report['weeks']} channel-weeks of 50-300 messages each, seed {report['seed']}")
    for section, result in report["sections"].items():
        lines.append(f"\n== {section}")
        lines.append(
            f"  {'method':<14} {'class':<9} {'MAE':>6} {'p90':>6} {'max':>6} "
            f"{'cover rate':>10} {'cover msgs':>10} {'width':>6}"
        )
        for method in ("estimator", "plain average"):
            for c in CLASSES:
                f = result[method][c]
                lines.append(
                    f"  {method:<14} {c:<9} {100 * f['mae']:6.1f} {100 * f['p90']:6.1f} "
                    f"{100 * f['max']:6.1f} {100 * f['coverage_rate']:9.1f}% "
                    f"{100 * f['coverage_realized']:9.1f}% {100 * f['mean_width']:6.1f}"
                )
        sizes = result["estimator"].get("mae_by_messages", {})
        lines.append(
            "  estimator MAE by messages in the week (all classes): "
            + ", ".join(f"{b}: {100 * e:.1f}" for b, e in sizes.items())
        )
        for c in CLASSES:
            f = result["change"][c]
            lines.append(
                f"  change vs previous week, {c}: MAE {100 * f['mae']:.1f} pts, "
                f"interval coverage {100 * f['coverage']:.1f}%"
            )
        if "confident share" in result:
            for c, f in result["confident share"].items():
                lines.append(
                    f"  today's confident-verdict share, {c}: MAE {100 * f['mae']:.1f} pts, "
                    f"max {100 * f['max']:.1f}"
                )
    lines.append("\n(errors and widths in share points; coverage of 90% intervals)")
    lines.append(f"took {report['seconds']} s")
    return "\n".join(lines)
