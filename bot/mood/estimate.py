"""Estimated shares of positive, negative and neutral messages, each with a 90% interval.

Why this exists: counting only confident verdicts tells a lead "9% clearly positive" when people
would call 35% of the messages positive, and hides a tripling of negative messages. Here every
counted message contributes its three calibrated probabilities, and the period's share is
estimated from their sums, corrected with the model's error rates measured on labelled text.

**The estimand.** For a class c, a channel and a period (a day, a week): the share of the
messages the bot counted there that careful human readers would label c. One number, read two
ways, and the interval is built to cover both:
1. *these messages*: the share of exactly the n counted messages people would label c;
2. *the channel's rate*: the probability that a message drawn at random from what the channel
   says in that period (of the kind the bot counts) is a c-message; the counted messages are a
   sample of it.
Why the rate matters: a lead asks whether the team's mood is what it looks like and whether it
changed. With 50 messages a week two more negative ones move the count 4 points with nothing
changed in the team; an interval for reading 1 alone would call that a change. Why reading 1
must hold too: it is what the issue asks ("the share of positive messages among them"), and it
is what a lead checks by reading the messages.

**The interval** combines three parts, as variances of the estimate (normal approximation,
z = 1.645, clipped to [0, 1]):

(a) *label uncertainty*: given calibrated probabilities, a message with P(positive) = p is
    positive with probability p, so its contribution is uncertain by p(1 - p); summed,
    ``sum p(1 - p) / n**2`` (from the stored sum of p and sum of p**2). This is the whole
    statistical error of reading 1.
(b) *sampling*: the messages are a sample of the channel's conversation, so the spread of the
    probabilities between messages adds ``sum (p - mean p)**2 / n**2``; this is the whole
    statistical error of reading 2 when the probabilities are calibrated. (a) + (b) =
    ``mean p (1 - mean p) / n``: the binomial variance of the share a human labeller would
    find in n messages drawn from the channel. Using the sum is conservative for each reading
    alone (tests: calibrated channels cover the rate 100% and the messages' own share 93-94%),
    and it is deliberate: per-message calibration does not hold inside a channel whose mix
    differs from the training data's, and an estimate from a model should not claim more
    precision than a human labelling every counted message would have.
    With a confusion matrix the estimate is ``A @ mean p`` (below); its exact variance about
    the rate is the sample variance of the adjusted per-message vectors ``A @ p`` over n (a
    sandwich variance, which carries the label variance and the model's own scatter), and the
    statistical variance used is the larger of that and the binomial one. For small n the
    binomial part uses the Agresti-Coull adjustment (n + z**2 trials, z**2/2 pseudo-messages on
    each side), so one message never yields a zero-width interval.
(c) *model uncertainty*: in a team's own domain the model's error rates differ from those
    measured. ``Calibration.shifts`` holds, for each labelled domain measured, the bias matrix
    ``B_d = A @ M_d.T - I`` that the estimator has on that domain when its error rates come from
    the *other* domains (leave-one-domain-out); the estimate's bias for true shares t is
    ``B_d @ t``. The model variance of class c is ``mean_d (B_d @ share)[c]**2``. These numbers
    come from measurement (``benchmarks/estimator_accuracy.py``), never from constants here.

**The correction.** ``Calibration.confusion`` is the soft confusion matrix M (row: the true
class, columns: the mean predicted probability of each class on labelled messages of that
class). On a channel with true rates t the mean probability vector is ``M.T @ t``, so the
estimate is ``t = inv(M.T) @ mean p`` ("probabilistic adjusted classify and count", Bella et
al. 2010), projected onto the simplex. Plain averaging of calibrated probabilities is biased
towards the training data's class mix whenever a channel's mix differs from it (a calibrated
but weak model reports the training mix everywhere); the correction removes that bias where
the measured M holds. ``Calibration.identity()`` trusts the probabilities as they are.

**Which M.** The model errs differently on different kinds of text (measured: it hedges on
Reddit comments and is confident on workplace chat). With ``Calibration.domains`` each estimate
picks, from its own sums, the mixture of the measured domains' rates that best explains the
channel's sums of P**2 (``Calibration.choose``); the spread of shares over the plausible
mixtures joins the statistical variance, and the model term (c) becomes the measurement noise
of the chosen rates (``DomainRates.noise``) instead of the spread between domains.

Everything a store keeps is ``ShareSums``: seven numbers per day, added day to day, with
nothing per message or per person. Pure Python: it runs on every chart and reply.
"""

from __future__ import annotations

import math
import random
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

CLASSES: tuple[str, str, str] = ("positive", "negative", "neutral")
Z90 = 1.6448536269514722  # two-sided 90%: the 95th percentile of the standard normal
_SUM_TOLERANCE = 1e-6
CHOICES_KEPT = 20_000  # choose() answers a calibration keeps (a year of days for 50 channels)

Vector = tuple[float, float, float]
Matrix = tuple[Vector, Vector, Vector]
_IDENTITY: Matrix = ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0))


def _as_vector(probabilities: Mapping[str, float] | Sequence[float]) -> Vector:
    """The three probabilities in ``CLASSES`` order, checked: a bad input must not skew a week."""
    if isinstance(probabilities, Mapping):
        missing = [c for c in CLASSES if c not in probabilities]
        if missing:
            raise ValueError(f"probabilities lack {missing}; need {list(CLASSES)}")
        values = [float(probabilities[c]) for c in CLASSES]
    else:
        values = [float(v) for v in probabilities]
        if len(values) != 3:
            raise ValueError(f"need 3 probabilities {CLASSES}, got {len(values)}")
    if any(not math.isfinite(v) or v < -_SUM_TOLERANCE for v in values):
        raise ValueError(f"probabilities must be finite and >= 0, got {values}")
    total = sum(values)
    if abs(total - 1.0) > 1e-3:
        raise ValueError(f"probabilities must add up to 1, got {total}")
    clipped = [max(v, 0.0) / total for v in values]
    return (clipped[0], clipped[1], clipped[2])


@dataclass(frozen=True)
class ShareSums:
    """What a day (or any period) contributes: the store keeps these seven numbers per day.

    ``sum_p[c]`` is the sum over counted messages of P(c); ``sum_p2[c]`` the sum of P(c)**2.
    Because each message's probabilities add up to 1, these also determine the cross sums
    (``_second_moments``), so the full covariance of the probabilities is known without
    storing it. Sums of days are the sums of their messages: a week is ``sum(days)`` exactly.
    """

    messages: int = 0
    sum_p: Vector = (0.0, 0.0, 0.0)
    sum_p2: Vector = (0.0, 0.0, 0.0)

    def add(self, probabilities: Mapping[str, float] | Sequence[float]) -> ShareSums:
        """These sums with one more counted message."""
        p = _as_vector(probabilities)
        return ShareSums(
            self.messages + 1,
            (self.sum_p[0] + p[0], self.sum_p[1] + p[1], self.sum_p[2] + p[2]),
            (self.sum_p2[0] + p[0] ** 2, self.sum_p2[1] + p[1] ** 2, self.sum_p2[2] + p[2] ** 2),
        )

    def __add__(self, other: ShareSums) -> ShareSums:
        if not isinstance(other, ShareSums):
            return NotImplemented
        return ShareSums(
            self.messages + other.messages,
            (
                self.sum_p[0] + other.sum_p[0],
                self.sum_p[1] + other.sum_p[1],
                self.sum_p[2] + other.sum_p[2],
            ),
            (
                self.sum_p2[0] + other.sum_p2[0],
                self.sum_p2[1] + other.sum_p2[1],
                self.sum_p2[2] + other.sum_p2[2],
            ),
        )

    def __radd__(self, other: object) -> ShareSums:
        if other == 0:  # lets ``sum(days)`` start from 0
            return self
        return NotImplemented

    @classmethod
    def of(cls, messages: Iterable[Mapping[str, float] | Sequence[float]]) -> ShareSums:
        """The sums of many messages' probabilities (tests, backfills, benchmarks)."""
        n = 0
        s = [0.0, 0.0, 0.0]
        s2 = [0.0, 0.0, 0.0]
        for probabilities in messages:
            p = _as_vector(probabilities)
            n += 1
            for k in range(3):
                s[k] += p[k]
                s2[k] += p[k] * p[k]
        return cls(n, (s[0], s[1], s[2]), (s2[0], s2[1], s2[2]))

    def to_row(self) -> dict[str, float]:
        """Flat column names for a database row."""
        row: dict[str, float] = {"messages": self.messages}
        for k, c in enumerate(CLASSES):
            row[f"p_{c}"] = self.sum_p[k]
            row[f"p2_{c}"] = self.sum_p2[k]
        return row

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> ShareSums:
        """The inverse of ``to_row``."""
        return cls(
            int(row["messages"]),
            (float(row["p_positive"]), float(row["p_negative"]), float(row["p_neutral"])),
            (float(row["p2_positive"]), float(row["p2_negative"]), float(row["p2_neutral"])),
        )

    def _second_moments(self) -> Matrix:
        """Sum over messages of p p^T, rebuilt from the diagonal: row k of it sums to sum_p[k]."""
        s, d = self.sum_p, self.sum_p2
        r = (s[0] - d[0], s[1] - d[1], s[2] - d[2])  # sum of p_k * (1 - p_k) = off-row sums
        x01 = (r[0] + r[1] - r[2]) / 2
        x02 = (r[0] + r[2] - r[1]) / 2
        x12 = (r[1] + r[2] - r[0]) / 2
        return ((d[0], x01, x02), (x01, d[1], x12), (x02, x12, d[2]))


@dataclass(frozen=True)
class DomainRates:
    """One labelled domain's measured error rates (see "Which error rates apply" above).

    ``confusion[t]``: the mean P over labelled messages of true class t (the soft confusion
    matrix); ``confidence[t]`` and ``confidence_var[t]``: the mean and variance of P**2 there,
    which is what tells the domains apart in a channel's stored sums; ``noise``: bias matrices
    from re-measuring ``confusion`` on bootstrap resamples of the labelled lines (the
    measurement error of these rates), one per draw, the same number of draws in every domain.
    """

    name: str
    confusion: Matrix
    confidence: Matrix
    confidence_var: Matrix
    noise: tuple[Matrix, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "confusion", _checked_confusion(self.confusion))
        for attr in ("confidence", "confidence_var"):
            m = _as_matrix(getattr(self, attr))
            if any(x < 0 for row in m for x in row):
                raise ValueError(f"{attr} must be >= 0")
            object.__setattr__(self, attr, m)
        object.__setattr__(self, "noise", tuple(_as_matrix(b) for b in self.noise))

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "confusion": [list(row) for row in self.confusion],
            "confidence": [list(row) for row in self.confidence],
            "confidence_var": [list(row) for row in self.confidence_var],
            "noise": [[list(row) for row in b] for b in self.noise],
        }

    @classmethod
    def measure(
        cls,
        name: str,
        labelled: Sequence[tuple[str, Mapping[str, float] | Sequence[float]]],
        *,
        draws: int = 30,
        seed: int = 0,
    ) -> DomainRates:
        """A domain's rates from its labelled messages, (true class, probabilities) pairs;
        ``noise`` re-measures the confusion on ``draws`` bootstrap resamples (within each class)."""
        rows = [(label, _as_vector(p)) for label, p in labelled]
        confusion = soft_confusion(rows)
        confidence: list[Vector] = []
        variance: list[Vector] = []
        by_class = {c: [p for label, p in rows if label == c] for c in CLASSES}
        for c in CLASSES:
            squares = [(p[0] ** 2, p[1] ** 2, p[2] ** 2) for p in by_class[c]]
            mean = tuple(sum(q[k] for q in squares) / len(squares) for k in range(3))
            spread = tuple(
                sum((q[k] - mean[k]) ** 2 for q in squares) / max(len(squares) - 1, 1)
                for k in range(3)
            )
            confidence.append(mean)  # type: ignore[arg-type]
            variance.append(spread)  # type: ignore[arg-type]
        rng = random.Random(seed)
        noise = []
        for _ in range(draws):
            resample = [(c, rng.choice(by_class[c])) for c in CLASSES for _ in by_class[c]]
            noise.append(domain_shift(soft_confusion(resample), confusion))
        return cls(
            name,
            confusion,
            (confidence[0], confidence[1], confidence[2]),
            (variance[0], variance[1], variance[2]),
            tuple(noise),
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DomainRates:
        return cls(
            name=str(data["name"]),
            confusion=_as_matrix(data["confusion"]),
            confidence=_as_matrix(data["confidence"]),
            confidence_var=_as_matrix(data["confidence_var"]),
            noise=tuple(_as_matrix(b) for b in data.get("noise", ())),
        )


@dataclass(frozen=True)
class _Mixture:
    """Error rates of one mixture of the measured domains, precomputed once per calibration."""

    weights: tuple[float, ...]
    adjust: Matrix  # inv(M_w.T)
    confidence: Matrix
    confidence_var: Matrix
    noise: tuple[Matrix, ...]  # the domains' measurement-noise draws, mixed the same way
    second: Matrix  # E[P(k)**2] given the true class: confidence_var + confidence**2


@dataclass(frozen=True)
class _Choice:
    """The mixture the channel's sums point to, and how unsure that choice is."""

    mixture: _Mixture
    shares: Vector
    spread: Vector  # per class, half the range of shares over the plausible mixtures


@dataclass(frozen=True)
class Calibration:
    """The model's measured error rates, and how far they moved between labelled domains.

    ``confusion[t][k]``: the mean predicted P(k) over labelled messages whose true class is t
    (rows add up to 1). ``shifts``: one bias matrix per labelled domain, measured leave-one-
    domain-out (see the module docstring); empty means "no model uncertainty", which only a
    test or a deliberate negative control should use. ``domains``: when set, each estimate
    uses the mixture of these domains' error rates that its own sums point to, and the model
    term is their measurement noise (``confusion`` and ``shifts`` are then only the pooled
    figures, kept for display). ``source`` says where the numbers come from (model artifact,
    data sets, command) so a stored estimate can be traced back.
    """

    confusion: Matrix = _IDENTITY
    shifts: tuple[Matrix, ...] = ()
    source: str = "identity: probabilities trusted as they are, no model uncertainty"
    domains: tuple[DomainRates, ...] = ()
    _adjust: Matrix = field(init=False, repr=False, compare=False)
    _mixtures: tuple[_Mixture, ...] = field(init=False, repr=False, compare=False)
    _noise_by_weights: dict[tuple[float, ...], tuple[Matrix, ...]] = field(
        init=False, repr=False, compare=False
    )
    # choose()'s answers by sums, most recent last, bounded: a closed day's sums never change,
    # and every Home tab, reply and digest that shows the day asks for the same choice.
    _choices: OrderedDict[ShareSums, _Choice] = field(init=False, repr=False, compare=False)
    _choices_lock: threading.Lock = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        m = _checked_confusion(self.confusion)
        object.__setattr__(self, "confusion", m)
        shifts = tuple(_as_matrix(b) for b in self.shifts)
        object.__setattr__(self, "shifts", shifts)
        object.__setattr__(self, "_adjust", _inverse(_transpose(m)))
        domains = tuple(self.domains)
        if len({len(d.noise) for d in domains}) > 1:
            raise ValueError("every domain needs the same number of noise draws")
        object.__setattr__(self, "domains", domains)
        object.__setattr__(self, "_mixtures", _mixture_grid(domains))
        object.__setattr__(self, "_choices", OrderedDict())
        object.__setattr__(self, "_choices_lock", threading.Lock())
        object.__setattr__(
            self, "_noise_by_weights", {mix.weights: mix.noise for mix in self._mixtures}
        )

    @classmethod
    def identity(cls) -> Calibration:
        """Probabilities trusted as calibrated everywhere, no model uncertainty."""
        return cls()

    def adjust(self, mean_probabilities: Sequence[float]) -> Vector:
        """inv(M.T) @ v: true-class rates whose expected mean probabilities are ``v``."""
        return _matvec(self._adjust, mean_probabilities)

    def model_variance(
        self, shares: Sequence[float], weights: Sequence[float] | None = None
    ) -> Vector:
        """Per class, the mean squared bias at these shares: over the measured domains
        (``shifts``), or with ``domains``, over the measurement noise of the mixture
        ``weights`` of their error rates."""
        if self.domains and weights is not None:
            weights = tuple(weights)
            known = self._noise_by_weights.get(weights)
            if known is None:
                draws = zip(*(d.noise for d in self.domains), strict=True)
                known = tuple(_mixed(weights, draw) for draw in draws)
            matrices = list(known)
        else:
            matrices = list(self.shifts)
        if not matrices:
            return (0.0, 0.0, 0.0)
        out = [0.0, 0.0, 0.0]
        for b in matrices:
            bias = _matvec(b, shares)
            for k in range(3):
                out[k] += bias[k] ** 2 / len(matrices)
        return (out[0], out[1], out[2])

    def choose(self, sums: ShareSums) -> _Choice | None:
        """With ``domains``: the mixture of their error rates that best explains this
        channel's sums of P**2 once its shares are corrected with that mixture's rates
        (smallest chi-square), and the spread of the shares over every mixture within the
        90% chi-square bound of the best (that spread is the uncertainty of the choice)."""
        if not self._mixtures or sums.messages == 0:
            return None
        with self._choices_lock:
            known = self._choices.get(sums)
            if known is not None:
                self._choices.move_to_end(sums)
                return known
        choice = self._choose(sums)
        with self._choices_lock:
            self._choices[sums] = choice
            while len(self._choices) > CHOICES_KEPT:
                self._choices.popitem(last=False)
        return choice

    def _choose(self, sums: ShareSums) -> _Choice:
        n = sums.messages
        mean_p = tuple(s / n for s in sums.sum_p)
        mean_q = tuple(s / n for s in sums.sum_p2)
        scored: list[tuple[float, _Mixture, Vector]] = []
        # Runs for every day of every channel a Home tab or reply shows: the sums are written
        # out (the same additions in the same order as sum() over the classes).
        for mix in self._mixtures:
            shares = _project_to_simplex(_matvec(mix.adjust, mean_p))
            s0, s1, s2 = shares
            conf0, conf1, conf2 = mix.confidence
            sec0, sec1, sec2 = mix.second
            chi2 = 0.0
            for k in range(3):
                expected = s0 * conf0[k] + s1 * conf1[k] + s2 * conf2[k]
                second = s0 * sec0[k] + s1 * sec1[k] + s2 * sec2[k]
                variance = max(second - expected**2, 1e-9) / n
                chi2 += (mean_q[k] - expected) ** 2 / variance
            scored.append((chi2, mix, shares))
        best = min(scored, key=lambda row: row[0])
        plausible = [row[2] for row in scored if row[0] <= best[0] + _CHI2_1_90]
        spread = tuple(
            (max(s[k] for s in plausible) - min(s[k] for s in plausible)) / 2 for k in range(3)
        )
        return _Choice(best[1], best[2], (spread[0], spread[1], spread[2]))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; ``from_dict`` reads it back."""
        return {
            "classes": list(CLASSES),
            "confusion": [list(row) for row in self.confusion],
            "shifts": [[list(row) for row in b] for b in self.shifts],
            "source": self.source,
            "domains": [d.to_dict() for d in self.domains],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Calibration:
        if list(data.get("classes", CLASSES)) != list(CLASSES):
            raise ValueError(f"calibration classes {data.get('classes')} are not {CLASSES}")
        return cls(
            confusion=tuple(tuple(row) for row in data["confusion"]),  # type: ignore[arg-type]
            shifts=tuple(tuple(tuple(r) for r in b) for b in data.get("shifts", ())),  # type: ignore[arg-type]
            source=str(data.get("source", "")),
            domains=tuple(DomainRates.from_dict(d) for d in data.get("domains", ())),
        )


@dataclass(frozen=True)
class ClassShare:
    """One class's estimated share (0-1) with its 90% interval and the interval's parts (sd)."""

    share: float
    low: float
    high: float
    sd_label: float
    sd_sampling: float
    sd_model: float

    @property
    def width(self) -> float:
        """The interval's width: a reply should say "too uncertain to say" rather than show a
        share whose interval spans most of 0-100% (see docs/estimates.md)."""
        return self.high - self.low

    @property
    def sd(self) -> float:
        return math.sqrt(self.sd_label**2 + self.sd_sampling**2 + self.sd_model**2)

    @property
    def variance_statistical(self) -> float:
        return self.sd_label**2 + self.sd_sampling**2


@dataclass(frozen=True)
class ShareEstimate:
    """A day's or period's estimate; when ``hidden_reason`` is set there are no numbers."""

    messages: int
    people: int | None
    positive: ClassShare | None
    negative: ClassShare | None
    neutral: ClassShare | None
    hidden_reason: str | None
    calibration_source: str
    _shares: Vector | None = field(default=None, repr=False)
    _weights: tuple[float, ...] | None = field(default=None, repr=False)

    @property
    def shown(self) -> bool:
        return self.hidden_reason is None

    def by_class(self) -> dict[str, ClassShare]:
        """``{"positive": ..., "negative": ..., "neutral": ...}``; empty when hidden."""
        if not self.shown:
            return {}
        return {c: getattr(self, c) for c in CLASSES}


def estimate(
    sums: ShareSums,
    calibration: Calibration,
    *,
    people: int | None = None,
    min_messages: int = 1,
) -> ShareEstimate:
    """Estimated shares of the channel's messages by class, with 90% intervals.

    ``people`` is passed through for display only (distinct people do not add up over days, so
    they are not part of the sums). Fewer than ``min_messages`` counted messages (at least 1)
    gives no numbers and a reason instead.
    """
    n = sums.messages
    floor = max(1, min_messages)
    if n < floor:
        reason = (
            "no messages counted"
            if n == 0
            else f"only {n} message{'s' if n != 1 else ''} counted; an estimate needs {floor}"
        )
        return ShareEstimate(n, people, None, None, None, reason, calibration.source)

    mean_p = tuple(s / n for s in sums.sum_p)
    choice = calibration.choose(sums)
    if choice is None:
        a = calibration._adjust
        shares = _project_to_simplex(_matvec(a, mean_p))
        spread: Vector = (0.0, 0.0, 0.0)
        weights = None
    else:
        a, shares, spread = choice.mixture.adjust, choice.shares, choice.spread
        weights = choice.mixture.weights

    # (b) with the correction: sample covariance of the adjusted vectors A p, from the sums.
    moments = sums._second_moments()
    cov_p = [[moments[i][j] / n - mean_p[i] * mean_p[j] for j in range(3)] for i in range(3)]
    dof = n / (n - 1) if n > 1 else 1.0
    sandwich = [
        dof * sum(a[k][i] * cov_p[i][j] * a[k][j] for i in range(3) for j in range(3)) / n
        + spread[k] ** 2  # which domains' error rates apply: estimated from these messages too
        for k in range(3)
    ]
    model_var = calibration.model_variance(shares, weights)

    z2 = Z90**2
    n_tilde = n + z2
    per_class: list[ClassShare] = []
    for k in range(3):
        centre = (n * shares[k] + z2 / 2) / n_tilde  # Agresti-Coull centre for small n
        binomial = centre * (1 - centre) / n_tilde  # (a) + (b) as a human labeller's share
        statistical = max(max(sandwich[k], 0.0), binomial)
        label = min((sums.sum_p[k] - sums.sum_p2[k]) / n**2, statistical)  # (a)
        label = max(label, 0.0)
        total = statistical + model_var[k]
        half = Z90 * math.sqrt(total)
        low = max(0.0, min(shares[k], centre - half))
        high = min(1.0, max(shares[k], centre + half))
        per_class.append(
            ClassShare(
                share=shares[k],
                low=low,
                high=high,
                sd_label=math.sqrt(label),
                sd_sampling=math.sqrt(max(statistical - label, 0.0)),
                sd_model=math.sqrt(model_var[k]),
            )
        )
    return ShareEstimate(
        n,
        people,
        per_class[0],
        per_class[1],
        per_class[2],
        None,
        calibration.source,
        shares,
        weights,
    )


@dataclass(frozen=True)
class ShareChange:
    """This period minus the previous one for a class, in share points (-1 to 1), 90% interval."""

    difference: float
    low: float
    high: float

    @property
    def clear(self) -> bool:
        """The interval excludes no change: worth saying "rose" or "fell"."""
        return self.low > 0 or self.high < 0


@dataclass(frozen=True)
class Comparison:
    """Per class change between two periods, or why there is none."""

    positive: ShareChange | None
    negative: ShareChange | None
    neutral: ShareChange | None
    hidden_reason: str | None

    def by_class(self) -> dict[str, ShareChange]:
        if self.hidden_reason is not None:
            return {}
        return {c: getattr(self, c) for c in CLASSES}


def compare(
    current: ShareEstimate, previous: ShareEstimate, calibration: Calibration
) -> Comparison:
    """This period against the previous one: the difference of shares with a 90% interval.

    The two periods hold different messages, so their statistical variances add. The model's
    bias in a domain is ``B_d @ shares``: for the same channel and calibration it is shared by
    both periods and cancels except for ``B_d @ (current - previous)``, which is what enters.
    When the two estimates came from different calibrations (a model changed between them),
    nothing cancels and both periods' model variances add.
    """
    for name, est in (("this period", current), ("the previous period", previous)):
        if not est.shown or est._shares is None:
            reason = est.hidden_reason or "no estimate"
            return Comparison(None, None, None, f"no comparison: {name} has {reason}")
    cur, prev = current._shares, previous._shares
    assert cur is not None and prev is not None
    same_model = current.calibration_source == previous.calibration_source
    if same_model:
        model_var = calibration.model_variance(
            [cur[k] - prev[k] for k in range(3)], current._weights
        )
    else:
        model_var = tuple(  # type: ignore[assignment]
            current.by_class()[c].sd_model ** 2 + previous.by_class()[c].sd_model ** 2
            for c in CLASSES
        )
    changes: list[ShareChange] = []
    for k, c in enumerate(CLASSES):
        a, b = current.by_class()[c], previous.by_class()[c]
        diff = cur[k] - prev[k]
        half = Z90 * math.sqrt(a.variance_statistical + b.variance_statistical + model_var[k])
        changes.append(ShareChange(diff, max(-1.0, diff - half), min(1.0, diff + half)))
    return Comparison(changes[0], changes[1], changes[2], None)


def soft_confusion(
    labelled: Iterable[tuple[str, Mapping[str, float] | Sequence[float]]],
) -> Matrix:
    """The soft confusion matrix M of labelled messages: (true class, probabilities) pairs."""
    totals = [[0.0, 0.0, 0.0] for _ in range(3)]
    counts = [0, 0, 0]
    for label, probabilities in labelled:
        t = CLASSES.index(label)
        p = _as_vector(probabilities)
        counts[t] += 1
        for k in range(3):
            totals[t][k] += p[k]
    if min(counts) == 0:
        raise ValueError(
            f"every class needs labelled messages; counts {dict(zip(CLASSES, counts, strict=True))}"
        )
    rows = [tuple(x / counts[t] for x in totals[t]) for t in range(3)]
    return (rows[0], rows[1], rows[2])  # type: ignore[return-value]


def domain_shift(pooled_without_domain: Matrix, domain: Matrix) -> Matrix:
    """``B_d = inv(M_other.T) @ M_d.T - I``: the estimator's bias matrix on domain d."""
    b = _matmul(_inverse(_transpose(pooled_without_domain)), _transpose(domain))
    return tuple(  # type: ignore[return-value]
        tuple(b[i][j] - (1.0 if i == j else 0.0) for j in range(3)) for i in range(3)
    )


_CHI2_1_90 = 2.705543454095404  # 90th percentile of chi-square with 1 degree of freedom
MIXTURE_STEPS = 20  # mixtures of the measured domains' error rates tried: weights in 1/20ths


def _mixture_grid(domains: Sequence[DomainRates]) -> tuple[_Mixture, ...]:
    """Every mixture of the domains with weights in ``1/MIXTURE_STEPS`` steps (one or two
    domains: 1 or 21 mixtures); built once, so an estimate only does 3 x 3 arithmetic."""
    if not domains:
        return ()
    if len(domains) > 2:
        raise ValueError("mixtures of more than two domains are not supported; pool some")
    grid = (
        [(1.0,)]
        if len(domains) == 1
        else [(1 - i / MIXTURE_STEPS, i / MIXTURE_STEPS) for i in range(MIXTURE_STEPS + 1)]
    )
    out = []
    for weights in grid:
        confidence = _mixed(weights, [d.confidence for d in domains])
        confidence_var = _mixed(weights, [d.confidence_var for d in domains])
        second = tuple(
            tuple(confidence_var[c][k] + confidence[c][k] ** 2 for k in range(3)) for c in range(3)
        )
        out.append(
            _Mixture(
                weights,
                _inverse(_transpose(_mixed(weights, [d.confusion for d in domains]))),
                confidence,
                confidence_var,
                tuple(
                    _mixed(weights, draw) for draw in zip(*(d.noise for d in domains), strict=True)
                ),
                second,
            )
        )
    return tuple(out)


def _mixed(weights: Sequence[float], matrices: Sequence[Matrix]) -> Matrix:
    """``sum_d weights[d] * matrices[d]``: one domain-weighted 3 x 3 matrix."""
    return tuple(  # type: ignore[return-value]
        tuple(sum(w * m[i][j] for w, m in zip(weights, matrices, strict=True)) for j in range(3))
        for i in range(3)
    )


# --- 3 x 3 linear algebra in plain Python --------------------------------------------------


def _as_matrix(m: Sequence[Sequence[float]]) -> Matrix:
    out = tuple(tuple(float(x) for x in row) for row in m)
    if len(out) != 3 or any(len(row) != 3 for row in out):
        raise ValueError("need a 3 x 3 matrix")
    if any(not math.isfinite(x) for row in out for x in row):
        raise ValueError("matrix entries must be finite")
    return out  # type: ignore[return-value]


def _checked_confusion(m: Sequence[Sequence[float]]) -> Matrix:
    out = _as_matrix(m)
    for row in out:
        if any(x < 0 for x in row) or abs(sum(row) - 1.0) > 1e-3:
            raise ValueError(f"each confusion row must be probabilities, got {row}")
    return out


def _transpose(m: Sequence[Sequence[float]]) -> Matrix:
    return tuple(tuple(m[j][i] for j in range(3)) for i in range(3))  # type: ignore[return-value]


def _matvec(m: Sequence[Sequence[float]], v: Sequence[float]) -> Vector:
    return (
        m[0][0] * v[0] + m[0][1] * v[1] + m[0][2] * v[2],
        m[1][0] * v[0] + m[1][1] * v[1] + m[1][2] * v[2],
        m[2][0] * v[0] + m[2][1] * v[1] + m[2][2] * v[2],
    )


def _matmul(a: Sequence[Sequence[float]], b: Sequence[Sequence[float]]) -> Matrix:
    return tuple(  # type: ignore[return-value]
        tuple(sum(a[i][k] * b[k][j] for k in range(3)) for j in range(3)) for i in range(3)
    )


def _inverse(m: Sequence[Sequence[float]]) -> Matrix:
    """Inverse by the adjugate; a confusion matrix this singular means the model cannot tell
    the classes apart and no correction can recover them."""
    (a, b, c), (d, e, f), (g, h, i) = m
    det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g)
    if abs(det) < 1e-9:
        raise ValueError("confusion matrix is singular: the model does not separate the classes")
    adj = (
        (e * i - f * h, c * h - b * i, b * f - c * e),
        (f * g - d * i, a * i - c * g, c * d - a * f),
        (d * h - e * g, b * g - a * h, a * e - b * d),
    )
    return tuple(tuple(x / det for x in row) for row in adj)  # type: ignore[return-value]


def _project_to_simplex(v: Sequence[float]) -> Vector:
    """The nearest point (Euclidean) with shares >= 0 adding up to 1, so shown shares add up."""
    u = sorted(v, reverse=True)
    cumulative = 0.0
    theta = 0.0
    for j, x in enumerate(u, start=1):
        cumulative += x
        t = (cumulative - 1.0) / j
        if x - t > 0:
            theta = t
    out = [max(x - theta, 0.0) for x in v]
    return (out[0], out[1], out[2])
