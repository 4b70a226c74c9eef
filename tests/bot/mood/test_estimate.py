"""Properties of the share estimator that can fail: additivity, exactness, coverage, controls.

Synthetic channels are seeded and small (a few hundred channel-weeks of 50-300 messages), so
the whole file runs in a couple of seconds on a shared core.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import astuple, replace

import pytest

from bot.mood.estimate import (
    CLASSES,
    Calibration,
    DomainRates,
    ShareEstimate,
    ShareSums,
    compare,
    domain_shift,
    estimate,
    soft_confusion,
)

Vec = tuple[float, float, float]
CHANNELS = 250


def dirichlet(rng: random.Random, alpha: Sequence[float]) -> Vec:
    g = [rng.gammavariate(max(a, 1e-3), 1.0) for a in alpha]
    total = sum(g) or 1.0
    return (g[0] / total, g[1] / total, g[2] / total)


def draw(rng: random.Random, p: Sequence[float]) -> int:
    u = rng.random()
    return 0 if u < p[0] else 1 if u < p[0] + p[1] else 2


def channel_shares(rng: random.Random) -> Vec:
    """The brief's range: positive 10-50%, negative 5-45%, neutral the rest."""
    pos = rng.uniform(0.10, 0.50)
    neg = rng.uniform(0.05, 0.45)
    return (pos, neg, 1.0 - pos - neg)


def calibrated_channel(rng: random.Random, shares: Vec, n: int) -> tuple[list[Vec], list[int]]:
    """Messages whose labels are drawn from their own probabilities (calibrated by
    construction); the probabilities average to the channel's shares."""
    probs = [dirichlet(rng, [3.0 * s for s in shares]) for _ in range(n)]
    return probs, [draw(rng, p) for p in probs]


def run(
    make: Callable[[random.Random, Vec, int], tuple[list[Vec], list[int]]],
    calibration: Calibration,
    seed: int,
    seen: Callable[[Vec], Vec] = lambda p: p,
) -> dict[str, dict[str, float]]:
    """Per class: coverage of the channel's rate, of the realized share, and mean abs error."""
    rng = random.Random(seed)
    hits = {c: 0 for c in CLASSES}
    hits_realized = {c: 0 for c in CLASSES}
    errors: dict[str, list[float]] = {c: [] for c in CLASSES}
    for _ in range(CHANNELS):
        shares = channel_shares(rng)
        n = rng.randint(50, 300)
        probs, labels = make(rng, shares, n)
        est = estimate(ShareSums.of(seen(p) for p in probs), calibration)
        for k, c in enumerate(CLASSES):
            cs = est.by_class()[c]
            realized = labels.count(k) / n
            hits[c] += cs.low <= shares[k] <= cs.high
            hits_realized[c] += cs.low <= realized <= cs.high
            errors[c].append(abs(cs.share - shares[k]))
    return {
        c: {
            "coverage": hits[c] / CHANNELS,
            "coverage_realized": hits_realized[c] / CHANNELS,
            "mae": sum(errors[c]) / CHANNELS,
        }
        for c in CLASSES
    }


# --- the sums ---------------------------------------------------------------------------


def test_days_add_up_to_the_period_exactly():
    rng = random.Random(1)
    days = [[dirichlet(rng, (1.0, 1.0, 1.0)) for _ in range(rng.randint(0, 40))] for _ in range(7)]
    week = ShareSums.of(p for day in days for p in day)
    folded = sum(ShareSums.of(day) for day in days)
    assert folded.messages == week.messages
    for a, b in zip(folded.sum_p + folded.sum_p2, week.sum_p + week.sum_p2, strict=True):
        assert a == pytest.approx(b, abs=1e-9)
    cal = Calibration.identity()
    a, b = estimate(folded, cal).positive, estimate(week, cal).positive
    assert astuple(a) == pytest.approx(astuple(b), abs=1e-12)
    # one message at a time gives the same sums as all at once
    one_by_one = ShareSums()
    for p in days[0]:
        one_by_one = one_by_one.add(p)
    assert one_by_one.sum_p == pytest.approx(ShareSums.of(days[0]).sum_p)


def test_the_sums_survive_a_database_row_and_rebuild_the_cross_moments():
    rng = random.Random(2)
    probs = [dirichlet(rng, (0.7, 0.5, 1.2)) for _ in range(25)]
    sums = ShareSums.of(probs)
    assert ShareSums.from_row(sums.to_row()) == sums
    assert len(sums.to_row()) == 7
    moments = sums._second_moments()
    for i in range(3):
        for j in range(3):
            direct = sum(p[i] * p[j] for p in probs)
            assert moments[i][j] == pytest.approx(direct, abs=1e-9)


def test_probabilities_are_checked():
    with pytest.raises(ValueError):
        ShareSums().add({"positive": 0.5, "negative": 0.5})  # neutral missing
    with pytest.raises(ValueError):
        ShareSums().add((0.5, 0.5, 0.5))
    with pytest.raises(ValueError):
        ShareSums().add((1.2, -0.2, 0.0))
    s = ShareSums().add({"positive": 0.2, "negative": 0.3, "neutral": 0.5})
    assert s.sum_p == pytest.approx((0.2, 0.3, 0.5))


# --- exactness, small n, bounds -----------------------------------------------------------


def test_one_hot_probabilities_give_the_counted_shares_exactly():
    counts = (13, 5, 32)
    probs = [
        tuple(1.0 if k == c else 0.0 for k in range(3)) for c in range(3) for _ in range(counts[c])
    ]
    est = estimate(ShareSums.of(probs), Calibration.identity())
    n = sum(counts)
    for k, c in enumerate(CLASSES):
        cs = est.by_class()[c]
        assert cs.share == pytest.approx(counts[k] / n, abs=1e-12)
        assert cs.sd_label == 0.0  # no label uncertainty when the labels are certain
        assert cs.sd_model == 0.0
        # the rest is the binomial sampling of 50 messages from the channel (Agresti-Coull)
        assert 0.03 < cs.sd_sampling < 0.08


def test_no_messages_means_no_numbers_and_a_reason():
    est = estimate(ShareSums(), Calibration.identity(), people=0)
    assert not est.shown and est.positive is None and est.by_class() == {}
    assert est.hidden_reason == "no messages counted"
    few = estimate(ShareSums.of([(1, 0, 0)] * 3), Calibration.identity(), min_messages=5)
    assert not few.shown and "only 3 messages counted" in (few.hidden_reason or "")


def test_one_message_gives_an_honest_wide_interval():
    est = estimate(ShareSums.of([(1.0, 0.0, 0.0)]), Calibration.identity())
    assert est.shown and est.positive is not None
    assert est.positive.share == 1.0 and est.positive.high == 1.0
    assert est.positive.low < 0.4  # one positive message says little about the channel
    for cs in est.by_class().values():
        assert cs.high - cs.low > 0.6


def test_intervals_stay_inside_0_1_and_hold_the_estimate():
    rng = random.Random(3)
    cal = _measured_calibration(random.Random(4))
    for _ in range(200):
        n = rng.choice([1, 2, 3, 5, 10, 40, 200])
        alpha = [rng.choice([0.05, 0.3, 2.0]) for _ in range(3)]
        probs = [dirichlet(rng, alpha) for _ in range(n)]
        for calibration in (Calibration.identity(), cal):
            est = estimate(ShareSums.of(probs), calibration)
            shares = [cs.share for cs in est.by_class().values()]
            assert sum(shares) == pytest.approx(1.0)
            for cs in est.by_class().values():
                assert 0.0 <= cs.low <= cs.share <= cs.high <= 1.0
                assert cs.high > cs.low


# --- accuracy and coverage on synthetic channels -------------------------------------------


def test_calibrated_channels_error_within_5_points_and_coverage_at_least_90():
    result = run(calibrated_channel, Calibration.identity(), seed=10)
    for c in CLASSES:
        assert result[c]["mae"] <= 0.05, (c, result[c])
        assert result[c]["coverage"] >= 0.90, (c, result[c])
        # the same interval also covers the share of exactly the counted messages
        assert result[c]["coverage_realized"] >= 0.90, (c, result[c])


def _shrunk(p: Vec) -> Vec:
    """A miscalibrated model: half way to its training mix, whatever the message says."""
    prior = (0.25, 0.15, 0.60)
    return tuple(0.5 * a + 0.5 * b for a, b in zip(p, prior, strict=True))  # type: ignore[return-value]


def test_negative_control_miscalibrated_without_model_uncertainty_loses_coverage():
    honest = run(calibrated_channel, Calibration.identity(), seed=11)
    broken = run(calibrated_channel, Calibration.identity(), seed=11, seen=_shrunk)
    worst = min(broken[c]["coverage"] for c in CLASSES)
    assert worst < 0.6, broken  # visibly degraded, not a near miss
    assert max(broken[c]["mae"] for c in CLASSES) > 0.05
    assert min(honest[c]["coverage"] for c in CLASSES) >= 0.90


# A model whose probabilities depend only on the true class (the "prior shift" world the
# confusion-matrix correction assumes): per domain, the mean probabilities by true class.
DOMAINS: tuple[tuple[Vec, Vec, Vec], ...] = (
    ((0.72, 0.07, 0.21), (0.08, 0.68, 0.24), (0.12, 0.10, 0.78)),
    ((0.66, 0.09, 0.25), (0.07, 0.72, 0.21), (0.16, 0.08, 0.76)),
    ((0.76, 0.06, 0.18), (0.11, 0.62, 0.27), (0.10, 0.12, 0.78)),
)


def class_first_channel(
    domain: int,
) -> Callable[[random.Random, Vec, int], tuple[list[Vec], list[int]]]:
    means = DOMAINS[domain]

    def make(rng: random.Random, shares: Vec, n: int) -> tuple[list[Vec], list[int]]:
        labels = [draw(rng, shares) for _ in range(n)]
        return [dirichlet(rng, [4.0 * m for m in means[y]]) for y in labels], labels

    return make


def _measured_calibration(rng: random.Random, per_class: int = 400) -> Calibration:
    """Measure M on labelled samples of each domain; shifts leave one domain out."""
    measured = []
    for d in range(len(DOMAINS)):
        labelled = [
            (c, dirichlet(rng, [4.0 * m for m in DOMAINS[d][k]]))
            for k, c in enumerate(CLASSES)
            for _ in range(per_class)
        ]
        measured.append(soft_confusion(labelled))

    def pooled(ms: Sequence) -> tuple:
        return tuple(tuple(sum(m[i][j] for m in ms) / len(ms) for j in range(3)) for i in range(3))

    shifts = tuple(
        domain_shift(pooled([m for e, m in enumerate(measured) if e != d]), measured[d])
        for d in range(len(measured))
    )
    return Calibration(confusion=pooled(measured), shifts=shifts, source="synthetic domains")


def test_confusion_correction_recovers_shares_that_plain_averaging_misses():
    cal = _measured_calibration(random.Random(20))
    corrected = run(class_first_channel(1), cal, seed=21)
    averaged = run(class_first_channel(1), Calibration.identity(), seed=21)
    # 250 channels measure a coverage of 0.90 to +-0.02 (one standard error): the mean over
    # classes must reach 0.90 and no class may fall two standard errors short
    assert sum(corrected[c]["coverage"] for c in CLASSES) / 3 >= 0.90, corrected
    for c in CLASSES:
        assert corrected[c]["mae"] <= 0.05, (c, corrected[c])
        assert corrected[c]["coverage"] >= 0.86, (c, corrected[c])
        assert corrected[c]["coverage_realized"] >= 0.90, (c, corrected[c])
    # negative control: averaging is pulled towards the model's own mix and its interval,
    # with no model uncertainty, misses
    assert max(averaged[c]["mae"] for c in CLASSES) > 0.05
    assert min(averaged[c]["coverage"] for c in CLASSES) < 0.6


def test_dropping_the_model_term_on_an_unmeasured_domain_costs_coverage():
    cal = _measured_calibration(random.Random(30), per_class=400)
    no_model = Calibration(confusion=cal.confusion, source="no shifts")
    # a domain whose error rates the calibration did not see
    unseen = ((0.60, 0.10, 0.30), (0.12, 0.58, 0.30), (0.20, 0.12, 0.68))

    def make(rng: random.Random, shares: Vec, n: int) -> tuple[list[Vec], list[int]]:
        labels = [draw(rng, shares) for _ in range(n)]
        return [dirichlet(rng, [4.0 * m for m in unseen[y]]) for y in labels], labels

    with_term = run(make, cal, seed=31)
    without = run(make, no_model, seed=31)
    for c in CLASSES:
        assert with_term[c]["coverage"] >= without[c]["coverage"]
    assert sum(with_term[c]["coverage"] for c in CLASSES) > sum(
        without[c]["coverage"] for c in CLASSES
    )


# --- comparisons --------------------------------------------------------------------------


def _week(rng: random.Random, shares: Vec, n: int, cal: Calibration) -> ShareEstimate:
    probs, _ = class_first_channel(1)(rng, shares, n)
    return estimate(ShareSums.of(probs), cal)


def test_a_tripling_of_negative_messages_is_a_clear_rise_and_no_change_rarely_is():
    cal = _measured_calibration(random.Random(40))
    rng = random.Random(41)
    before, after = (0.35, 0.15, 0.50), (0.25, 0.45, 0.30)
    detected = 0
    false_alarms = 0
    covered = 0
    trials = 100
    for _ in range(trials):
        prev = _week(rng, before, 120, cal)
        change = compare(_week(rng, after, 120, cal), prev, cal)
        detected += (
            change.negative is not None and change.negative.clear and change.negative.difference > 0
        )
        assert change.negative is not None
        covered += change.negative.low <= 0.30 <= change.negative.high
        same = compare(_week(rng, before, 120, cal), prev, cal)
        false_alarms += any(ch.clear for ch in same.by_class().values())
    assert detected >= 0.95 * trials
    assert covered >= 0.90 * trials
    assert false_alarms <= 0.25 * trials  # three classes at 10% each, correlated


def test_a_comparison_with_a_hidden_period_says_why():
    cal = Calibration.identity()
    shown = estimate(ShareSums.of([(0.5, 0.2, 0.3)] * 10), cal)
    change = compare(shown, estimate(ShareSums(), cal), cal)
    assert change.hidden_reason is not None and "no messages counted" in change.hidden_reason
    assert change.by_class() == {}


# --- the calibration object ---------------------------------------------------------------


def test_calibration_round_trips_through_json_and_its_own_domain_has_no_shift():
    cal = _measured_calibration(random.Random(50))
    again = Calibration.from_dict(json.loads(json.dumps(cal.to_dict())))
    assert again.confusion == cal.confusion  # JSON keeps floats exactly
    assert again.source == cal.source and len(again.shifts) == 3
    same = domain_shift(cal.confusion, cal.confusion)
    assert all(math.isclose(x, 0.0, abs_tol=1e-12) for row in same for x in row)
    with pytest.raises(ValueError):
        Calibration(confusion=((0.5, 0.5, 0.0), (0.5, 0.5, 0.0), (0.0, 0.0, 1.0)))


# --- error rates that differ by kind of text ----------------------------------------------

# Two kinds of text: on "blurry" text the model hedges (true negatives get as much neutral as
# negative probability), on "sharp" text it is confident. Same classes, different error rates.
KINDS: dict[str, tuple[tuple[Vec, Vec, Vec], float]] = {
    "blurry": (((0.68, 0.12, 0.20), (0.14, 0.56, 0.30), (0.18, 0.20, 0.62)), 4.0),
    "sharp": (((0.82, 0.06, 0.12), (0.10, 0.74, 0.16), (0.09, 0.08, 0.83)), 9.0),
}


def kind_channel(
    mix: float,
) -> Callable[[random.Random, Vec, int], tuple[list[Vec], list[int]]]:
    """Each message is of the "sharp" kind with probability ``mix``, else "blurry"."""

    def one(rng: random.Random, kind: str, y: int) -> Vec:
        means, concentration = KINDS[kind]
        return dirichlet(rng, [concentration * m for m in means[y]])

    def make(rng: random.Random, shares: Vec, n: int) -> tuple[list[Vec], list[int]]:
        labels = [draw(rng, shares) for _ in range(n)]
        kinds = ["sharp" if rng.random() < mix else "blurry" for _ in labels]
        return [one(rng, k, y) for k, y in zip(kinds, labels, strict=True)], labels

    return make


def _kinds_calibration(rng: random.Random, per_class: int = 600) -> Calibration:
    domains = []
    for name in KINDS:
        labelled: list[tuple[str, Vec]] = []
        make = kind_channel(1.0 if name == "sharp" else 0.0)
        for k, c in enumerate(CLASSES):
            one_hot = tuple(1.0 if j == k else 0.0 for j in range(3))
            probs, _ = make(rng, one_hot, per_class)  # type: ignore[arg-type]
            labelled.extend((c, p) for p in probs)
        domains.append(DomainRates.measure(name, labelled, seed=1))
    pooled = tuple(
        tuple((domains[0].confusion[i][j] + domains[1].confusion[i][j]) / 2 for j in range(3))
        for i in range(3)
    )
    shifts = tuple(domain_shift(pooled, d.confusion) for d in domains)
    return Calibration(pooled, shifts, "two synthetic kinds of text", tuple(domains))  # type: ignore[arg-type]


def test_each_channel_gets_the_error_rates_of_its_own_kind_of_text():
    cal = _kinds_calibration(random.Random(60))
    pooled_only = Calibration(cal.confusion, cal.shifts, "pooled rates only")
    for mix in (0.0, 0.5, 1.0):
        mixed = run(kind_channel(mix), cal, seed=61)
        pooled = run(kind_channel(mix), pooled_only, seed=61)
        assert sum(mixed[c]["coverage"] for c in CLASSES) / 3 >= 0.90, (mix, mixed)
        for c in CLASSES:
            assert mixed[c]["mae"] <= 0.05, (mix, c, mixed[c])
            assert mixed[c]["coverage"] >= 0.86, (mix, c, mixed[c])
        if mix in (0.0, 1.0):
            # negative control: one pooled matrix is wrong for both kinds
            assert max(pooled[c]["mae"] for c in CLASSES) > max(mixed[c]["mae"] for c in CLASSES)


def test_the_chosen_mixture_follows_the_kind_of_text():
    cal = _kinds_calibration(random.Random(70))
    rng = random.Random(71)
    for mix, lo, hi in ((0.0, 0.0, 0.25), (1.0, 0.75, 1.0)):
        probs, _ = kind_channel(mix)(rng, (0.3, 0.3, 0.4), 300)
        est = estimate(ShareSums.of(probs), cal)
        assert est._weights is not None
        assert lo <= est._weights[1] <= hi, (mix, est._weights)


def test_a_tripling_of_negative_messages_is_clear_with_mixed_error_rates_too():
    cal = _kinds_calibration(random.Random(80))
    rng = random.Random(81)
    make = kind_channel(0.5)
    detected = covered = 0
    for _ in range(100):
        before = estimate(ShareSums.of(make(rng, (0.35, 0.15, 0.50), 150)[0]), cal)
        after = estimate(ShareSums.of(make(rng, (0.25, 0.45, 0.30), 150)[0]), cal)
        change = compare(after, before, cal).negative
        assert change is not None
        detected += change.clear and change.difference > 0
        covered += change.low <= 0.30 <= change.high
    assert detected >= 90 and covered >= 90


def test_domains_round_trip_through_json_and_are_checked():
    cal = _kinds_calibration(random.Random(90))
    again = Calibration.from_dict(json.loads(json.dumps(cal.to_dict())))
    assert again.domains == cal.domains
    sums = ShareSums.of([(0.5, 0.2, 0.3), (0.1, 0.7, 0.2), (0.2, 0.2, 0.6)] * 20)
    assert estimate(sums, again) == estimate(sums, cal)
    with pytest.raises(ValueError, match="same number of noise draws"):
        Calibration(cal.confusion, (), "x", (cal.domains[0], replace(cal.domains[1], noise=())))


def test_a_channel_days_choice_is_kept_bounded_and_gives_the_same_estimate(monkeypatch):
    """Every Home tab, reply and digest that shows a closed day asks for its choice again: it is
    kept (by the day's sums), bounded, and the estimate is the one computed afresh."""
    import bot.mood.estimate as module

    monkeypatch.setattr(module, "CHOICES_KEPT", 3)
    cal = _kinds_calibration(random.Random(80))
    rng = random.Random(81)
    days = [ShareSums.of(kind_channel(0.5)(rng, (0.3, 0.3, 0.4), 40)[0]) for _ in range(5)]
    first = [estimate(day, cal) for day in days]
    fresh = replace(cal)  # an equal calibration with nothing kept
    assert [estimate(day, fresh) for day in days] == first
    assert estimate(days[-1], cal) == first[-1]
    assert cal.choose(days[-1]) is cal.choose(days[-1])  # answered from what is kept
    assert len(cal._choices) == 3  # the oldest days went
    assert days[0] not in cal._choices
