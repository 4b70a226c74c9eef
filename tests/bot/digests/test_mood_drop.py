"""The mood-drop alert rule on synthetic channels: quiet on noise, quick on a real shift.

Each simulated channel-year runs the rule once a day, as the digest runner does from cron.
"""

from __future__ import annotations

import math
import statistics

import pytest

from benchmarks.mood_simulation import Channel, alert_days, simulate_days
from bot.digests.mood_drop import AlertState, DropDay, DropRule, drop_test, step, t_quantile

YEAR = 365 + 35  # a year of daily runs after the first full 35-day window
SIZES = (20, 40, 150, 600)  # messages per weekday; weekends are quieter


def _naive_alert_days(days: list[DropDay], z_alert: float) -> list[int]:
    """A plain two-proportion z-test with the same hysteresis: what the rule is not."""
    fired, in_episode = [], False
    for day in range(35, len(days) + 1):
        recent, base = days[day - 7 : day], days[day - 35 : day - 7]
        n1, k1 = sum(d.messages for d in recent), sum(d.negative for d in recent)
        n0, k0 = sum(d.messages for d in base), sum(d.negative for d in base)
        if n1 < 40 or n0 < 100:
            continue
        p = (k0 + k1) / (n0 + n1)
        z = (k1 / n1 - k0 / n0) / math.sqrt(p * (1 - p) * (1 / n1 + 1 / n0))
        if in_episode and z < 1:
            in_episode = False
        elif not in_episode and z >= z_alert and k1 / n1 - k0 / n0 >= 0.05:
            in_episode = True
            fired.append(day - 1)
    return fired


def test_a_stable_channel_gets_no_alert_in_a_simulated_year():
    years_with_alert = {}
    for size in SIZES:
        years_with_alert[size] = sum(
            bool(alert_days(simulate_days(Channel(size), YEAR, seed))) for seed in range(30)
        )
    # 120 channel-years of a stable channel: at most about one in twenty has a false alarm.
    assert sum(years_with_alert.values()) <= 8, years_with_alert
    assert years_with_alert[600] == 0
    # The demo channel of the docs (seed 1, 40 messages a weekday) is quiet all year.
    assert alert_days(simulate_days(Channel(40), YEAR, seed=1)) == []


def test_a_naive_binomial_test_would_cry_wolf_on_the_same_channels():
    naive = sum(
        bool(_naive_alert_days(simulate_days(Channel(size), YEAR, seed), 3.5))
        for size in (150, 600)
        for seed in range(30)
    )
    ours = sum(
        bool(alert_days(simulate_days(Channel(size), YEAR, seed)))
        for size in (150, 600)
        for seed in range(30)
    )
    assert naive >= 20 and naive >= 5 * max(ours, 1), (naive, ours)


@pytest.mark.parametrize("size", [150, 600])
def test_a_real_shift_is_caught_within_days(size):
    delays = []
    for seed in range(30):
        days = simulate_days(
            Channel(size), 260, 1000 + seed, share_on=lambda day: 0.12 if day < 200 else 0.25
        )
        fired = [d for d in alert_days(days, start=200) if d >= 200]
        delays.append(fired[0] - 200 if fired else math.inf)
    assert statistics.median(delays) <= 5, delays
    assert sum(d <= 7 for d in delays) >= 27, delays  # 90% within a week


def test_one_alert_per_episode_and_a_new_episode_alerts_again():
    def share(day: int) -> float:
        if 100 <= day < 160 or 300 <= day < 330:
            return 0.3
        return 0.1

    fired = alert_days(simulate_days(Channel(300), 400, seed=7, share_on=share))
    assert len(fired) == 2, fired
    assert 100 <= fired[0] <= 107 and 300 <= fired[1] <= 307


def test_too_few_messages_never_alert_however_bad():
    quiet = Channel(messages_per_weekday=4, weekend_factor=1.0, min_messages=1)
    days = simulate_days(quiet, 200, seed=3, share_on=lambda day: 0.05 if day < 100 else 0.9)
    assert alert_days(days) == []


def test_step_fires_once_then_waits_for_recovery():
    rule = DropRule()
    base = [DropDay(100, 10)] * 28
    bad = drop_test(base + [DropDay(100, 40)] * 7, rule)
    calm = drop_test(base + [DropDay(100, 10)] * 7, rule)
    assert bad.enough_data and bad.t > bad.threshold and bad.rise == pytest.approx(0.3)
    state, fire = step(AlertState(), bad, rule)
    assert fire and state.in_episode
    state, fire = step(state, bad, rule)
    assert not fire and state.in_episode
    state, fire = step(state, calm, rule)
    assert not fire and not state.in_episode


def test_a_fall_in_negativity_never_alerts():
    base = [DropDay(100, 40)] * 28
    test = drop_test(base + [DropDay(100, 5)] * 7)
    assert test.t < 0
    assert step(AlertState(), test) == (AlertState(), False)


def test_empty_windows_are_not_enough_data():
    test = drop_test([DropDay(0, 0)] * 35)
    assert not test.enough_data and step(AlertState(), test) == (AlertState(), False)


def test_t_quantile_matches_student_t_tables():
    # One-sided 0.0005 quantiles: t(10) = 4.587, t(30) = 3.646; z = 3.2905.
    assert t_quantile(3.2905, 30) == pytest.approx(3.646, abs=0.02)
    assert t_quantile(3.2905, 10) == pytest.approx(4.587, abs=0.15)
    assert t_quantile(3.2905, math.inf) == 3.2905
