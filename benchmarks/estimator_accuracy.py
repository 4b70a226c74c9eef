"""How right the mood share estimates are: synthetic channels built from labelled text.

Why: the estimator (``bot.mood.estimate``) promises weekly shares within 5 points and 90%
intervals that cover; only labelled text with known shares can check that. This module

1. scores labelled messages with a predictor's three-way probabilities (``--probabilities-from
   v3``: ``prediction.probabilities`` of the shipped artifact, three-way from v3 on; ``v2``: a
   *dry run* that derives three-way probabilities from v2's binary P(positive), see
   ``v2_probabilities``), keeping only messages the mood record would count (the bot's Slack
   cleaning, then enough known words, as for verdicts ``react``/``lean``);
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
    DomainRates,
    Matrix,
    ShareSums,
    Vector,
    compare,
    domain_shift,
    estimate,
)
from model.artifact import DEFAULT_NAME

REPO = Path(__file__).resolve().parents[1]
WORKPLACE = (
    REPO / "eval/workplace_chat/workplace_chat.jsonl",
    REPO / "eval/workplace_chat/workplace_neutral.jsonl",
)
WORKPLACE_HELD_OUT = REPO / "eval/workplace_chat/workplace_three_way.jsonl"
SHORT_TEXTS = (
    REPO / "eval/short_texts/tweets.jsonl",
    REPO / "eval/short_texts_b/tweets.jsonl",
    REPO / "eval/short_texts/neutral_chat.jsonl",
)
# "v3": the shipped model's three-way probabilities (v3 introduced them; v4 keeps the form).
SHIPPED_ARTIFACT = f"model/artifacts/{DEFAULT_NAME}"
V2_ARTIFACT = "model/artifacts/imdb-sentiment-v2"

Labelled = list[tuple[str, str]]  # (label, text)
Scored = list[tuple[str, Vector]]  # (label, probabilities in CLASSES order)


def load_goemotions(split: str, root: Path | None = None) -> Labelled:
    """Lines of one sentiment group only (in ``root``, else $GOEMOTIONS_DATA; either
    taxonomy) as (label, text); ambiguous ones left out."""
    from model.goemotions import GoEmotionsError, load_split

    try:
        lines = load_split(split, root)
    except GoEmotionsError as exc:
        raise SystemExit(str(exc)) from None
    return [
        (label, text)
        for text, groups in zip(lines.texts, lines.groups, strict=True)
        if len(groups) == 1 and (label := next(iter(groups))) in CLASSES
    ]


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


def load_source(source: str, artifact: str | None):
    """The predictor ``--probabilities-from`` names (``artifact``, else the source's default
    folder; relative to the repository) and the folder as given."""
    import model

    if source not in ("v2", "v3"):
        raise ValueError(f"--probabilities-from must be v2 or v3, not {source!r}")
    path = artifact or (SHIPPED_ARTIFACT if source == "v3" else V2_ARTIFACT)
    return model.load_predictor(REPO / path if not Path(path).is_absolute() else path), path


def make_scorer(
    source: str, artifact: str | None, clean_module: Path | None = None
) -> tuple[Callable[[list[str]], list], str]:
    """A function texts -> [(probabilities or None if not counted)], and a description."""
    from model.verdict import VerdictRule

    clean = load_clean(clean_module)

    rule = VerdictRule()
    predictor, path = load_source(source, artifact)
    if source == "v3":
        described = f"three-way probabilities from {path}"
    else:
        described = f"DRY RUN: three-way probabilities derived from v2's P(positive) ({path})"

    def score(texts: list[str]) -> list[Vector | None]:
        out: list[Vector | None] = []
        for prediction in predictor.predict([clean(t) for t in texts]):
            if not rule.knows_enough(prediction):
                out.append(None)  # the mood record would not count it
            elif source == "v3":
                probs = getattr(prediction, "probabilities", None)
                if probs is None:
                    raise SystemExit(
                        f"{path}: predictions have no .probabilities; is it from before v3?"
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


def fit_calibration(domains: dict[str, Scored], described: str, seed: int = 0) -> Calibration:
    """Per-domain error rates (the estimator mixes them per channel); also the equal-weight
    pooled soft confusion matrix with one leave-one-domain-out shift per domain, which is the
    previous estimator (``pooled_only``) and the figures shown as "the" confusion matrix."""
    rates = tuple(DomainRates.measure(name, rows, seed=seed) for name, rows in domains.items())
    measured = {d.name: d.confusion for d in rates}
    names = list(measured)
    shifts = tuple(
        domain_shift(_pooled([measured[o] for o in names if o != d]), measured[d]) for d in names
    )
    counts = {name: len(rows) for name, rows in domains.items()}
    return Calibration(
        confusion=_pooled(list(measured.values())),
        shifts=shifts,
        source=f"{described}; fitted on {counts} (benchmarks/estimator_accuracy.py)",
        domains=rates,
    )


def pooled_only(calibration: Calibration) -> Calibration:
    """The estimator before per-channel mixing: one pooled confusion matrix, leave-one-domain-
    out shifts as the model term (kept as a comparison)."""
    return Calibration(
        confusion=calibration.confusion,
        shifts=calibration.shifts,
        source=calibration.source + "; pooled rates only",
    )


def draw_shares(rng: random.Random) -> Vector:
    pos = rng.uniform(0.10, 0.50)
    neg = rng.uniform(0.05, 0.45)
    return (pos, neg, 1.0 - pos - neg)


def _pick(rng: random.Random, shares: Sequence[float]) -> int:
    u = rng.random()
    return 0 if u < shares[0] else 1 if u < shares[0] + shares[1] else 2


SIZES = ("50-100", "101-200", "201-300")
PER_MESSAGE_BOUND = "per-message ML"


def em_shares(probs: Sequence[Vector], prior: Vector, rounds: int = 100) -> Vector:
    """Maximum-likelihood shares from each message's probabilities under a pure class-mix
    change (Saerens et al. 2002, EM): the most the probabilities themselves can tell when the
    error rates are the fitting domain's. Needs every message's probabilities, which the store
    never keeps; a reference row only."""
    t = list(prior)
    for _ in range(rounds):
        totals = [0.0, 0.0, 0.0]
        for p in probs:
            w = [p[k] * t[k] / prior[k] for k in range(3)]
            z = sum(w) or 1.0
            for k in range(3):
                totals[k] += w[k] / z
        t = [x / len(probs) for x in totals]
    return (t[0], t[1], t[2])


def _size(n: int) -> str:
    return SIZES[0] if n <= 100 else SIZES[1] if n <= 200 else SIZES[2]


@dataclass
class Tally:
    """Errors and interval hits per class for one method."""

    errors: dict[str, list[float]]  # against the channel's rate
    errors_realized: dict[str, list[float]]  # against the share of the week's own messages
    hits_rate: dict[str, int]
    hits_realized: dict[str, int]
    widths: dict[str, list[float]]
    weeks: int = 0
    by_size: dict[str, dict[str, list[float]]] | None = None  # size -> class -> errors

    def add_size(self, n: int, c: str, error: float) -> None:
        if self.by_size is None:
            self.by_size = {b: {k: [] for k in CLASSES} for b in SIZES}
        self.by_size[_size(n)][c].append(error)

    @classmethod
    def empty(cls) -> Tally:
        return cls(
            {c: [] for c in CLASSES},
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
                "mae_messages": sum(self.errors_realized[c]) / len(e),
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
                bucket: {c: sum(e) / len(e) for c, e in per.items() if e}
                for bucket, per in self.by_size.items()
            }
        return out


def simulate(
    pools: Sequence[Scored],
    confident: dict[str, list[str]] | None,
    methods: dict[str, Calibration],
    *,
    weeks: int,
    seed: int,
    min_n: int = 50,
    max_n: int = 300,
    bound_prior: Vector | None = None,
) -> dict[str, Any]:
    """Channel-weeks from ``pools`` (with two pools, each week draws a random fraction of its
    messages from the second: channels between two domains); per method, per class, error
    and coverage figures. The first method is the estimator; its change against a second
    week per channel (fresh shares) is scored too. With ``bound_prior`` (the fitting domain's
    mean probabilities), also the per-message maximum-likelihood estimate (``em_shares``):
    errors only, a reference for what the probabilities allow, not something the store can do.
    """
    by_pool = [{c: [p for label, p in pool if label == c] for c in CLASSES} for pool in pools]
    rng = random.Random(seed)
    tallies = {name: Tally.empty() for name in methods}
    if bound_prior is not None:
        tallies[PER_MESSAGE_BOUND] = Tally.empty()
    main_name, main = next(iter(methods.items()))
    change_hits = dict.fromkeys(CLASSES, 0)
    change_errors: dict[str, list[float]] = {c: [] for c in CLASSES}

    def week(shares: Vector, n: int) -> tuple[ShareSums, list[int], list[Vector]]:
        second = rng.random() if len(by_pool) > 1 else 0.0
        labels = [_pick(rng, shares) for _ in range(n)]
        probs = [rng.choice(by_pool[1 if rng.random() < second else 0][CLASSES[y]]) for y in labels]
        return ShareSums.of(probs), labels, probs

    for _ in range(weeks):
        shares = draw_shares(rng)
        n = rng.randint(min_n, max_n)
        sums, labels, probs = week(shares, n)
        if bound_prior is not None:
            bound = tallies[PER_MESSAGE_BOUND]
            bound.weeks += 1
            for k, share in enumerate(em_shares(probs, bound_prior)):
                c = CLASSES[k]
                bound.errors[c].append(abs(share - shares[k]))
                bound.errors_realized[c].append(abs(share - labels.count(k) / n))
        for name, cal in methods.items():
            est = estimate(sums, cal)
            tally = tallies[name]
            tally.weeks += 1
            for k, c in enumerate(CLASSES):
                cs = est.by_class()[c]
                realized = labels.count(k) / n
                tally.errors[c].append(abs(cs.share - shares[k]))
                tally.errors_realized[c].append(abs(cs.share - realized))
                tally.add_size(n, c, abs(cs.share - shares[k]))
                tally.hits_rate[c] += cs.low <= shares[k] <= cs.high
                tally.hits_realized[c] += cs.low <= realized <= cs.high
                tally.widths[c].append(cs.high - cs.low)
        previous_shares = draw_shares(rng)
        previous, _, _ = week(previous_shares, rng.randint(min_n, max_n))
        change = compare(estimate(sums, main), estimate(previous, main), main)
        for k, c in enumerate(CLASSES):
            ch = change.by_class()[c]
            truth = shares[k] - previous_shares[k]
            change_hits[c] += ch.low <= truth <= ch.high
            change_errors[c].append(abs(ch.difference - truth))
    result: dict[str, Any] = {"methods": {name: t.summary() for name, t in tallies.items()}}
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
    weeks: int = 1000,
    seed: int = 2026,
    calibration_out: Path | None = None,
    clean_module: Path | None = None,
) -> dict[str, Any]:
    """Score; fit on GoEmotions dev + workplace dev; report on held-out sets only."""
    started = time.perf_counter()
    score, described = make_scorer(source, artifact, clean_module)
    raw = {
        "goemotions dev": load_goemotions("dev"),
        "workplace": load_workplace(),
        "goemotions test": load_goemotions("test"),
        "workplace three-way": load_workplace((WORKPLACE_HELD_OUT,)),
        "short texts": load_workplace(SHORT_TEXTS),
    }
    scored = {name: score_set(score, rows) for name, rows in raw.items()}
    calibration = fit_calibration(
        {k: scored[k] for k in ("goemotions dev", "workplace")}, described, seed=seed
    )
    if calibration_out is not None:
        calibration_out.write_text(json.dumps(calibration.to_dict(), indent=2) + "\n")
    confident = _confident_verdicts(source, artifact, raw["goemotions test"], clean_module)
    ge_dev = scored["goemotions dev"]
    ge_prior = tuple(sum(p[k] for _, p in ge_dev) / len(ge_dev) for k in range(3))
    methods = {
        "estimator": calibration,
        "pooled rates": pooled_only(calibration),
        "plain average": Calibration.identity(),
    }
    held_out = {
        "goemotions test": [scored["goemotions test"]],
        "workplace three-way": [scored["workplace three-way"]],
        "between the two (each week a random mix of both)": [
            scored["goemotions test"],
            scored["workplace three-way"],
        ],
        "short texts (a third kind of text: 240 hand-written tweets and chat lines)": [
            scored["short texts"]
        ],
    }
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
            f"held out: {name}": simulate(
                pools,
                confident if name == "goemotions test" else None,
                methods,
                weeks=weeks,
                seed=seed,
                bound_prior=ge_prior if name == "goemotions test" else None,
            )
            for name, pools in held_out.items()
        },
    }
    report["seconds"] = round(time.perf_counter() - started, 1)
    return report


def _confident_verdicts(
    source: str, artifact: str | None, labelled: Labelled, clean_module: Path | None = None
) -> dict[str, list[str]] | None:
    """Per true class, each counted message's confident label (or "" when not confident)."""
    from model.verdict import Verdict, VerdictRule

    clean = load_clean(clean_module)

    predictor, _path = load_source(source, artifact)
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


def _percent(x: float) -> str:
    return f"{'-':>10}" if math.isnan(x) else f"{100 * x:9.1f}%"


def format_report(report: dict[str, Any]) -> str:
    """The figures as a plain-text table."""
    lines = [f"probabilities: {report['probabilities']}"]
    for name, pool in report["pools"].items():
        lines.append(
            f"  {name}: {pool['counted']} of {pool['lines']} lines counted "
            f"({', '.join(f'{c} {pool[c]}' for c in CLASSES)})"
        )
    cal = report["calibration"]
    for domain in cal["domains"]:
        lines.append(f"soft confusion M, {domain['name']} (rows: true class; cols: mean P):")
        for c, row in zip(CLASSES, domain["confusion"], strict=True):
            lines.append(f"  {c:>8}: " + "  ".join(f"{x:.3f}" for x in row))
    lines.append(f"{report['weeks']} channel-weeks of 50-300 messages each, seed {report['seed']}")
    for section, result in report["sections"].items():
        lines.append(f"\n== {section}")
        lines.append(
            f"  {'method':<14} {'class':<9} {'MAE':>6} {'msgs':>6} {'p90':>6} {'max':>6} "
            f"{'cover rate':>10} {'cover msgs':>10} {'width':>6}"
        )
        for method, figures in result["methods"].items():
            for c in CLASSES:
                f = figures[c]
                lines.append(
                    f"  {method:<14} {c:<9} {100 * f['mae']:6.1f} {100 * f['mae_messages']:6.1f} "
                    f"{100 * f['p90']:6.1f} {100 * f['max']:6.1f} "
                    f"{_percent(f['coverage_rate'])} {_percent(f['coverage_realized'])} "
                    f"{100 * f['mean_width']:6.1f}"
                )
        sizes = result["methods"]["estimator"].get("mae_by_messages", {})
        lines.append(
            "  estimator MAE by messages in the week (positive / negative / neutral): "
            + "; ".join(
                f"{b}: " + " / ".join(f"{100 * e[c]:.1f}" for c in CLASSES)
                for b, e in sizes.items()
            )
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
    lines.append(
        "\n(MAE: against the channel's rate; msgs: against the share of the week's own "
        "messages; errors and widths in share points; coverage of 90% intervals)"
    )
    lines.append(f"took {report['seconds']} s")
    return "\n".join(lines)


# Amendment 3 (eval/SELECTION.md): a dev-only score for three-way variants. GoEmotions dev and
# the workplace dev sets are each split in two halves, stratified by label, with a seeded
# shuffle; the calibration is fitted on one half of both domains and channel-weeks are built
# from the other half (each domain alone, and each week a random mix of both), then the halves
# swap; all of it once per split seed. GoEmotions test and workplace_three_way.jsonl are not read.
DEV_SPLIT_SEEDS = (16, 17, 18)
DEV_SECTIONS = ("goemotions dev", "workplace dev", "mix of both")


def split_halves(rows: list, seed: int) -> tuple[list, list]:
    """Two halves of (label, ...) rows, stratified by label, from a seeded shuffle of each
    label's rows (in file order); a label's odd row out goes to the first half."""
    rng = random.Random(seed)
    first: list = []
    second: list = []
    for c in sorted({row[0] for row in rows}):
        mine = [row for row in rows if row[0] == c]
        rng.shuffle(mine)
        cut = (len(mine) + 1) // 2
        first += mine[:cut]
        second += mine[cut:]
    return first, second


def dev_score(
    artifact: str,
    *,
    weeks: int = 1000,
    seed: int = 2026,
    split_seeds: Sequence[int] = DEV_SPLIT_SEEDS,
    clean_module: Path | None = None,
) -> dict[str, Any]:
    """Amendment 3's score for one v3 artifact, from dev data only: the estimator's mean weekly
    neutral-share error against the week's own messages (``mae_messages``, in points), averaged
    over the split seeds, the two folds and the three sections. The other figures are reported
    beside it, not used to choose. Lines are split before the model sees them (a line the
    record would not count is dropped from its half afterwards)."""
    score, described = make_scorer("v3", artifact, clean_module)
    raw = dev_lines()
    probs = {name: score([text for _, text in rows]) for name, rows in raw.items()}
    tagged = {
        name: [(label, p) for (label, _), p in zip(rows, probs[name], strict=True)]
        for name, rows in raw.items()
    }
    return {
        "artifact": artifact,
        **dev_score_of(tagged, described, weeks=weeks, seed=seed, split_seeds=split_seeds),
    }


def dev_lines() -> dict[str, Labelled]:
    """The two dev domains amendment 3 scores on, in file order."""
    return {"goemotions dev": load_goemotions("dev"), "workplace dev": load_workplace()}


def dev_score_of(
    tagged: dict[str, list[tuple[str, Vector | None]]],
    described: str,
    *,
    weeks: int = 1000,
    seed: int = 2026,
    split_seeds: Sequence[int] = DEV_SPLIT_SEEDS,
) -> dict[str, Any]:
    """``dev_score`` from each dev line's (label, probabilities or None if not counted)."""
    folds = []
    counted = {}
    for split_seed in split_seeds:
        halves = {}
        for name, rows in tagged.items():
            pair = split_halves(rows, split_seed)
            halves[name] = tuple([(lab, p) for lab, p in half if p is not None] for half in pair)
            counted[name] = [len(h) for h in halves[name]]
        for fit, build in ((0, 1), (1, 0)):
            calibration = fit_calibration(
                {name: pair[fit] for name, pair in halves.items()}, described, seed=seed
            )
            ge, wp = halves["goemotions dev"][build], halves["workplace dev"][build]
            pools = {"goemotions dev": [ge], "workplace dev": [wp], "mix of both": [ge, wp]}
            folds.append(
                {
                    name: simulate(pool, None, {"estimator": calibration}, weeks=weeks, seed=seed)[
                        "methods"
                    ]["estimator"]
                    for name, pool in pools.items()
                }
            )

    def mean(key: str, c: str, sections: Sequence[str] = DEV_SECTIONS) -> float:
        return (
            100 * sum(f[s][c][key] for f in folds for s in sections) / (len(folds) * len(sections))
        )

    neutral_p = {
        name: [p[2] for label, p in rows if label == "neutral" and p is not None]
        for name, rows in tagged.items()
    }
    return {
        "score": round(mean("mae_messages", "neutral"), 3),
        # Amendment 4's score: the GoEmotions-dev section alone.
        "ge_section": round(mean("mae_messages", "neutral", ("goemotions dev",)), 3),
        "mae_messages": {c: round(mean("mae_messages", c), 3) for c in CLASSES},
        "mae_rate": {c: round(mean("mae", c), 3) for c in CLASSES},
        "coverage_realized": {c: round(mean("coverage_realized", c), 2) for c in CLASSES},
        "coverage_rate": {c: round(mean("coverage_rate", c), 2) for c in CLASSES},
        "neutral_m_diagonal": {n: round(sum(v) / len(v), 4) for n, v in neutral_p.items()},
        "counted": counted,
        "split_seeds": list(split_seeds),
        "folds": folds,
    }


# Amendment 3's rule: the shipped model stays unless an eligible variant's score is lower by
# more than DEV_SCORE_MARGIN points; variants within DEV_SCORE_TIE of the best tie.
DEV_SCORE_MARGIN = 0.25
DEV_SCORE_TIE = 0.1
# Settings that do not change the three-way model (the tutorial baseline is a separate yardstick).
NOT_A_CHANGE = ("baseline",)


def changed_settings(path: Path, shipped: Path) -> dict[str, Any]:
    """The ``config.json`` hyper-parameters in which ``path`` differs from ``shipped``."""
    mine = json.loads((path / "config.json").read_text())["hyperparameters"]
    theirs = json.loads((shipped / "config.json").read_text())["hyperparameters"]
    return {k: v for k, v in mine.items() if k not in NOT_A_CHANGE and theirs.get(k) != v}


def choose(rows: dict[str, dict[str, Any]], shipped: str) -> tuple[str, str]:
    """Amendment 3's rule over rows holding ``score`` (lower is better), ``eligible`` (amendment
    2's gates) and ``changes`` (settings changed from the shipped model): the winner and why."""
    ship = rows[shipped]["score"]
    # A row with no settings changed is the shipped model (or its retraining, a reproducibility
    # check), not a variant.
    contenders = {n: r for n, r in rows.items() if n != shipped and r["changes"] and r["eligible"]}
    if not contenders:
        return shipped, "no other variant passes the gates"
    best = min(r["score"] for r in contenders.values())
    tied = [n for n, r in contenders.items() if r["score"] <= best + DEV_SCORE_TIE]
    pick = min(tied, key=lambda n: (len(rows[n]["changes"]), rows[n]["score"], n))
    margin = ship - rows[pick]["score"]
    if margin <= DEV_SCORE_MARGIN:
        return shipped, (
            f"best eligible variant {pick} beats the shipped score by {margin:.3f} points, "
            f"not more than {DEV_SCORE_MARGIN}"
        )
    return pick, f"{pick} beats the shipped score by {margin:.3f} points (> {DEV_SCORE_MARGIN})"


def net_size(path: Path) -> int:
    """Members x hidden units x embedding dimensions of a "net" head's artifact (0 for linear
    heads; artifacts from before amendment 5 have one member)."""
    h = json.loads((path / "config.json").read_text())["hyperparameters"]
    if h.get("feeling_head", "linear") != "net":
        return 0
    return int(h.get("feeling_members", 1)) * int(h["feeling_hidden"]) * int(h["feeling_dim"])


def choose_net(rows: dict[str, dict[str, Any]], shipped: str) -> tuple[str, str]:
    """Amendment 4's rule (and amendment 5's, the same) over rows holding ``ge_section`` and
    ``score`` (lower is better), ``eligible`` (amendment 2's gates) and ``size`` (``net_size``):
    the winner and why. Amendment 3's score (``score``) no higher than the shipped model's is a
    gate here."""
    ship = rows[shipped]
    contenders = {
        n: r
        for n, r in rows.items()
        if n != shipped and r["eligible"] and r["score"] <= ship["score"]
    }
    if not contenders:
        return shipped, "no candidate passes the gates"
    best = min(r["ge_section"] for r in contenders.values())
    tied = [n for n, r in contenders.items() if r["ge_section"] <= best + DEV_SCORE_TIE]
    pick = min(tied, key=lambda n: (rows[n]["size"], rows[n]["ge_section"], n))
    margin = ship["ge_section"] - rows[pick]["ge_section"]
    if margin <= DEV_SCORE_MARGIN:
        return shipped, (
            f"best eligible candidate {pick} beats the shipped GE-dev section by {margin:.3f} "
            f"points, not more than {DEV_SCORE_MARGIN}"
        )
    return pick, (
        f"{pick} beats the shipped GE-dev section by {margin:.3f} points (> {DEV_SCORE_MARGIN})"
    )


def dev_score_table(rows: dict[str, dict[str, Any]], winner: str) -> str:
    """Markdown: one line per variant with its dev score, the other dev figures and the gates."""
    head = (
        "| variant | settings changed | dev score (neutral msgs MAE) | dev msgs MAE pos / neg "
        "| GE-dev section | dev rate MAE pos / neg / neu "
        "| mean P(neutral) of true neutrals, GE dev / wp dev "
        "| val | worst GE-dev ECE | wp3 neutral reactions | wp3 wrong reactions | eligible |"
    )
    lines = [head, "|" + " --- |" * 12]
    for name, r in rows.items():
        changes = " ".join(f"{k}={v}" for k, v in r["changes"].items()) or "none"
        m, rate, diag = r["mae_messages"], r["mae_rate"], r["neutral_m_diagonal"]
        lines.append(
            f"| {name}{' **chosen**' if name == winner else ''} | {changes} | {r['score']:.2f} "
            f"| {m['positive']:.2f} / {m['negative']:.2f} | {r['ge_section']:.2f} "
            f"| {rate['positive']:.2f} / {rate['negative']:.2f} / {rate['neutral']:.2f} "
            f"| {diag['goemotions dev']:.3f} / {diag['workplace dev']:.3f} "
            f"| {r['val']:.4f} | {r['ge_ece_max']:.4f} | {r['wp3_neutral']:.4f} "
            f"| {r['wp3_wrong']:.4f} | {'yes' if r['eligible'] else 'no'} |"
        )
    return "\n".join(lines)
