"""Draw the example mood chart in docs/ from synthetic data (no Slack, no database).

    .venv/bin/python scripts/mood_chart_example.py [--out docs/mood-chart-example.png]

A made-up #support channel over 60 days: busy weekdays whose mood dips in the third week and
recovers, quiet weekends with too few people (drawn as grey gaps, never as numbers).
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.mood.replies import summary_text  # noqa: E402
from bot.mood.store import DayCounts  # noqa: E402
from bot.mood.summary import summarize  # noqa: E402


def synthetic_days(last: date, days: int, seed: int = 7) -> list[DayCounts]:
    rng = random.Random(seed)
    rows = []
    for back in range(days):
        day = last - timedelta(days=back)
        if day.weekday() >= 5:
            rows.append(DayCounts(day, rng.randint(1, 6), 1, 0, 2.0, rng.randint(1, 2)))
            continue
        dip = 0.25 if 14 <= back <= 20 else 0.0
        mood = 0.62 - dip + rng.uniform(-0.05, 0.05)
        messages = rng.randint(25, 70)
        positive = int(messages * max(0.05, mood - 0.3))
        negative = int(messages * max(0.05, 0.55 - mood))
        rows.append(
            DayCounts(day, messages, positive, negative, messages * mood, rng.randint(4, 12))
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/mood-chart-example.png")
    args = parser.parse_args()
    last = date(2025, 3, 30)
    summary = summarize(
        synthetic_days(last, 60), last=last, period_days=30, min_authors=3, min_messages=5
    )
    from bot.mood.charts.draw import render_png

    Path(args.out).write_bytes(render_png(summary, "#support \u2014 mood, last 30 days"))
    print(f"wrote {args.out}")
    print(summary_text(summary, "C0SUPPORT"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
