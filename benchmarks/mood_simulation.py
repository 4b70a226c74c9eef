"""Synthetic channels for the mood-drop alert: stable ones, and ones whose mood really drops.

A channel has a daily volume (Poisson, quieter at weekends) and a daily negative share that
itself varies from day to day (a beta distribution around the channel's mean), because real
channels have good and bad days. Days below the minimum group size are left out, as the
digest runner leaves them out. Used by the tests (false alarms over a simulated year, days
to catch a real shift) and by ``scripts/mood_examples.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bot.digests.mood_drop import AlertState, DropRule, drop_test, step
from bot.digests.mood_drop import DropDay as DayCounts


@dataclass(frozen=True)
class Channel:
    """How a synthetic channel behaves: volume, mean negative share, day-to-day spread."""

    messages_per_weekday: float = 40.0
    weekend_factor: float = 0.15
    negative_share: float = 0.12
    concentration: float = 100.0  # beta a+b: lower = moodier days (100: daily sd ~3 points)
    min_messages: int = 5  # the minimum group size, as far as volume goes


def simulate_days(
    channel: Channel,
    days: int,
    seed: int,
    share_on: Callable[[int], float] | None = None,
) -> list[DayCounts]:
    """``days`` days of counts; ``share_on(day)`` overrides the mean negative share per day."""
    rng = np.random.default_rng(seed)
    out: list[DayCounts] = []
    for day in range(days):
        rate = channel.messages_per_weekday * (channel.weekend_factor if day % 7 >= 5 else 1.0)
        n = int(rng.poisson(rate))
        mean = share_on(day) if share_on else channel.negative_share
        a = mean * channel.concentration
        daily_share = rng.beta(a, channel.concentration - a)
        k = int(rng.binomial(n, daily_share))
        out.append(DayCounts(n, k) if n >= channel.min_messages else DayCounts(0, 0))
    return out


def alert_days(days: list[DayCounts], rule: DropRule | None = None, start: int = 0) -> list[int]:
    """The days (indices) on which the runner would post an alert, running once a day."""
    rule = rule or DropRule()
    state = AlertState()
    fired: list[int] = []
    for day in range(max(start, rule.window_days), len(days) + 1):
        state, fire = step(state, drop_test(days[day - rule.window_days : day], rule), rule)
        if fire:
            fired.append(day - 1)
    return fired
