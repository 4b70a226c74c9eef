"""Render the Home tab, a weekly digest and a mood-drop alert from synthetic data into docs/home/.

    .venv/bin/python scripts/home_examples.py [--out docs/home]

Writes the Block Kit JSON exactly as the bot sends it (``home_tab.json`` for ``views.publish``,
``digest.json`` and ``alert.json`` for ``chat.postMessage``; their charts are data visualization
blocks inside that JSON, drawn by Slack), and ``alert_simulation.png``: a simulated
channel-year with a real shift, the negative share per day and the day the alert fired. No
Slack, no database. The share sums are synthetic (confident messages lean clearly their way,
the rest neutral); scripts/mood_chart_example.py draws from the console demo's real backfill.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.mood_simulation import Channel, alert_days, simulate_days  # noqa: E402
from bot.digests.messages import alert_message, digest_message  # noqa: E402
from bot.digests.mood_drop import DropDay as Drop  # noqa: E402
from bot.digests.mood_drop import DropRule, drop_test  # noqa: E402
from bot.home.view import ChannelMood, home_view  # noqa: E402
from bot.mood.estimate import ShareSums  # noqa: E402
from bot.mood.replies import stored_statement  # noqa: E402
from bot.mood.service import load_calibration  # noqa: E402
from bot.mood.store import DayCounts  # noqa: E402
from bot.mood.summary import summarize  # noqa: E402
from bot.settings import Settings  # noqa: E402

LAST = date(2025, 3, 30)


def channel_days(seed: int, volume: int, dip: float, days: int = 60) -> list[DayCounts]:
    """Busy weekdays, quiet weekends (too few people), a mood dip ``dip`` two weeks ago."""
    rng = random.Random(seed)
    rows = []
    for back in range(days):
        day = LAST - timedelta(days=back)
        if day.weekday() >= 5:
            rows.append(_day(day, rng.randint(1, 6), 1, 0, rng.randint(1, 2)))
            continue
        mood = 0.62 - (dip if 8 <= back <= 14 else 0.0) + rng.uniform(-0.05, 0.05)
        messages = rng.randint(volume // 2, volume)
        positive = int(messages * max(0.05, mood - 0.3))
        negative = int(messages * max(0.05, 0.55 - mood))
        rows.append(_day(day, messages, positive, negative, rng.randint(4, 12)))
    return rows


def _day(day: date, messages: int, positive: int, negative: int, authors: int) -> DayCounts:
    rest = messages - positive - negative
    probabilities = [(0.85, 0.05, 0.1)] * positive + [(0.05, 0.85, 0.1)] * negative
    sums = ShareSums.of(probabilities + [(0.15, 0.1, 0.75)] * rest)
    return DayCounts(day, messages, positive, negative, authors, sums)


def summary_of(rows, period_days):
    return summarize(
        rows,
        last=LAST,
        period_days=period_days,
        min_authors=3,
        min_messages=5,
        calibration=load_calibration(""),  # the shipped model's, as the bot uses
    )


def simulation_plot(path: Path) -> str:
    """A simulated year: stable, then a real shift on day 250; where the alert fired."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    days = simulate_days(Channel(150), 365, seed=11, share_on=lambda d: 0.12 if d < 250 else 0.22)
    fired = alert_days(days)
    shares = [d.negative / d.messages if d.messages else None for d in days]
    fig, ax = plt.subplots(figsize=(8, 3), dpi=110)
    ax.plot(
        range(len(days)),
        [s if s is not None else float("nan") for s in shares],
        lw=0.8,
        color="#888888",
        label="daily negative share",
    )
    ax.axvline(250, color="#2f3b52", ls="--", lw=1, label="real shift (12% -> 22%)")
    for day in fired:
        ax.axvline(day, color="#c0392b", lw=2, label=f"alert (day {day})")
    ax.set_xlabel("day of the simulated year")
    ax.set_ylabel("negative share")
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title(
        "150 messages a weekday: no alert for 250 stable days, one alert after the shift",
        fontsize=9,
    )
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return f"alerts on days {fired} (shift on day 250)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/home")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    support = channel_days(7, 70, 0.25)
    design = channel_days(8, 30, 0.0)
    small = channel_days(9, 8, 0.0)
    small = [DayCounts(d.day, d.messages, d.positive, d.negative, 2, d.sums) for d in small]
    view = home_view(
        [
            ChannelMood("C0SUPPORT", summary_of(support, 30)),
            ChannelMood("C0DESIGN1", summary_of(design, 30)),
            ChannelMood("C0SMALL01", summary_of(small, 30)),
        ],
        opted_out=False,
        stored_statement=stored_statement(Settings()),
    )
    (out / "home_tab.json").write_text(json.dumps(view, indent=2, ensure_ascii=False) + "\n")

    week = summary_of(support, 7)
    digest = digest_message(week, "C0SUPPORT", "digest:T0EXAMPLE:C0SUPPORT:2025-03-31")
    (out / "digest.json").write_text(json.dumps(digest, indent=2, ensure_ascii=False) + "\n")

    rule = DropRule()
    calm = [Drop(60, 7)] * 28  # 28 days around 12% negative, then a bad week
    worse = [
        Drop(60, 7),
        Drop(60, 16),
        Drop(60, 19),
        Drop(0, 0),
        Drop(0, 0),
        Drop(60, 21),
        Drop(60, 18),
    ]
    test = drop_test(calm + worse, rule)
    alert = alert_message(test, "C0SUPPORT", "alert:T0EXAMPLE:C0SUPPORT:2025-03-30")
    (out / "alert.json").write_text(json.dumps(alert, indent=2, ensure_ascii=False) + "\n")
    print(simulation_plot(out / "alert_simulation.png"))
    print(f"wrote {out}/: home_tab.json, digest.json, alert.json and alert_simulation.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
