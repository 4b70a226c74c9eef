"""Has a channel's mood clearly dropped? A test of this week's negative share against its past.

Pure arithmetic, no I/O: the digest runner feeds it daily counts and keeps the returned state.

The question is whether the share of confidently negative messages over the last 7 days is
higher than the same channel's share over the 28 days before, by more than chance. Messages
are not independent coin flips: a channel has good and bad days (an outage, a release), so
its daily negative share varies more than a binomial would. A plain two-proportion z-test
ignores that and, on a busy but perfectly stable channel, cries wolf every few weeks (the
simulation test shows it). So this is a two-proportion test with a random day effect:

- ``p0 = K0/N0`` over the baseline days, ``p1 = K1/N1`` over the recent days.
- Each day's share varies around the channel's share by a between-day variance ``tau2``,
  estimated from the baseline days by the method of moments (DerSimonian-Laird), and never
  taken below ``(day_spread_floor * p0)^2``: a month of data cannot rule out bad days, and
  assuming none is what makes naive tests jumpy.
- ``Var(p) = tau2 * sum(n_d^2)/N^2 + p(1-p)/N`` for each window (``p`` pooled), and
  ``t = (p1 - p0) / sqrt(Var1 + Var0)``, one-sided: only a rise counts.
- ``tau2`` comes from a few weeks of days, so ``t`` has heavier tails than a normal; the
  threshold is ``z_alert`` carried over to a Student t with Satterthwaite's degrees of
  freedom (Cornish-Fisher expansion), so ``MOOD_ALERT_Z`` means the same false-alarm rate
  whether the channel has a month of history or a year.

An alert needs ``t`` above that threshold, at least ``min_recent_messages`` in the recent
days and ``min_baseline_messages`` before, and a rise of at least ``min_rise`` (so a huge
channel is not alerted about half a point). Days the caller left out (below the minimum
group size) count as days without messages.

Once per episode: an alert opens an episode; no further alert fires until ``t`` has fallen
below ``z_clear`` (hysteresis), which happens when the mood recovers or, if the new level
persists, once it has become the channel's new normal (the 28-day baseline catches up).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from bot.settings import Settings

# MOOD_ALERT_* defaults are declared once, in bot.settings; DropRule's defaults read them there.
_SETTINGS = Settings()


@dataclass(frozen=True)
class DropDay:
    """One day of a channel: messages counted and how many were confidently negative."""

    messages: int
    negative: int


@dataclass(frozen=True)
class DropRule:
    """The sensitivity settings (``MOOD_ALERT_*``); the defaults stay quiet on noise."""

    z_alert: float = _SETTINGS.mood_alert_z
    z_clear: float = 1.0
    min_recent_messages: int = _SETTINGS.mood_alert_min_messages
    min_baseline_messages: int = 100
    min_rise: float = _SETTINGS.mood_alert_min_rise
    day_spread_floor: float = 0.3
    recent_days: int = 7
    baseline_days: int = 28

    @property
    def window_days(self) -> int:
        """How many days of counts ``drop_test`` reads: the baseline, then the recent days."""
        return self.recent_days + self.baseline_days


@dataclass(frozen=True)
class DropTest:
    """The test's figures for one channel on one day."""

    recent_share: float
    baseline_share: float
    recent_messages: int
    baseline_messages: int
    t: float
    threshold: float
    enough_data: bool

    @property
    def rise(self) -> float:
        return self.recent_share - self.baseline_share


@dataclass(frozen=True)
class AlertState:
    """Whether a channel is inside a mood-drop episode (kept between runs by the caller)."""

    in_episode: bool = False


def t_quantile(z: float, dof: float) -> float:
    """The Student t value with the same upper tail as normal ``z`` (Cornish-Fisher, 3 terms)."""
    if dof <= 0 or math.isinf(dof):
        return z
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    return z + g1 / dof + g2 / dof**2 + g3 / dof**3


def between_day_variance(days: Sequence[DropDay], share: float, pooled: float) -> float:
    """Method-of-moments estimate of how much the daily share varies beyond binomial noise."""
    used = [d for d in days if d.messages > 0]
    total = sum(d.messages for d in used)
    if len(used) < 2 or total == 0:
        return 0.0
    q = sum(d.messages * (d.negative / d.messages - share) ** 2 for d in used)
    denominator = total - sum(d.messages**2 for d in used) / total
    if denominator <= 0:
        return 0.0
    return max(0.0, (q - (len(used) - 1) * pooled * (1 - pooled)) / denominator)


def drop_test(days: Sequence[DropDay], rule: DropRule = DropRule()) -> DropTest:
    """Test the last ``recent_days`` of ``days`` (oldest first) against the days before them.

    ``days`` should hold ``rule.window_days`` entries; fewer baseline days just mean less data.
    """
    recent = list(days[-rule.recent_days :]) if rule.recent_days else []
    baseline = [d for d in days[-rule.window_days : -rule.recent_days] if d.messages > 0]
    n1 = sum(d.messages for d in recent)
    k1 = sum(d.negative for d in recent)
    n0 = sum(d.messages for d in baseline)
    k0 = sum(d.negative for d in baseline)
    p1 = k1 / n1 if n1 else 0.0
    p0 = k0 / n0 if n0 else 0.0
    enough = n1 >= rule.min_recent_messages and n0 >= rule.min_baseline_messages
    if not (n1 and n0):
        return DropTest(p1, p0, n1, n0, 0.0, math.inf, False)
    # A channel with no negative message at all yet: a half-message floor, not zero variance.
    half = 0.5 / (n0 + n1)
    pooled = min(max((k0 + k1) / (n0 + n1), half), 1 - half)
    tau2 = max(
        between_day_variance(baseline, p0, pooled), (rule.day_spread_floor * max(p0, half)) ** 2
    )
    weights = (
        sum(d.messages**2 for d in recent) / n1**2 + sum(d.messages**2 for d in baseline) / n0**2
    )
    day_part = tau2 * weights
    variance = day_part + pooled * (1 - pooled) * (1 / n1 + 1 / n0)
    # Satterthwaite: only the day part is estimated (from len(baseline) - 1 degrees of freedom).
    dof = variance**2 / (day_part**2 / max(1, len(baseline) - 1)) if day_part > 0 else math.inf
    t = (p1 - p0) / math.sqrt(variance)
    return DropTest(p1, p0, n1, n0, t, t_quantile(rule.z_alert, dof), enough)


def step(state: AlertState, test: DropTest, rule: DropRule = DropRule()) -> tuple[AlertState, bool]:
    """The next state and whether to post an alert now (at most once per episode)."""
    if state.in_episode:
        if test.enough_data and test.t < rule.z_clear:
            return AlertState(in_episode=False), False
        return state, False
    if test.enough_data and test.t >= test.threshold and test.rise >= rule.min_rise:
        return AlertState(in_episode=True), True
    return state, False
