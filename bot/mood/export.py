"""The mood record as CSV, for ``/sentiment mood export`` (a file in the asker's DM) and
``python -m bot mood export`` (stdout): one row per day that a chart shows with numbers.

Columns, in this order: ``date,messages,people,positive,negative,neutral,positive_low,
positive_high,negative_low,negative_high``. Shares are fractions (0-1) of the day's counted
messages, with their 90% interval bounds (``bot.mood.estimate``). Days hidden by the minimum
group size, days folded into their week and days with no messages are left out, so the export
can never single anyone out and holds nothing the chart does not show. Pure: no Slack, no
database.
"""

from __future__ import annotations

import csv
import io

from bot.mood.summary import MoodSummary

HEADER = (
    "date",
    "messages",
    "people",
    "positive",
    "negative",
    "neutral",
    "positive_low",
    "positive_high",
    "negative_low",
    "negative_high",
)


def _fraction(value: float) -> str:
    return f"{value:.4f}"


def csv_text(summary: MoodSummary) -> str:
    """The current period's shown days as CSV text (header first, oldest day first)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for point in summary.current.points:
        if not point.has_numbers:
            continue
        assert point.counts is not None and point.estimate is not None
        shares = point.estimate.by_class()
        positive, negative, neutral = shares["positive"], shares["negative"], shares["neutral"]
        writer.writerow(
            [
                point.day.isoformat(),
                point.counts.messages,
                point.counts.authors,
                _fraction(positive.share),
                _fraction(negative.share),
                _fraction(neutral.share),
                _fraction(positive.low),
                _fraction(positive.high),
                _fraction(negative.low),
                _fraction(negative.high),
            ]
        )
    return out.getvalue()


def exported_days(summary: MoodSummary) -> int:
    """How many days the CSV holds (0: nothing to export, so nothing is uploaded)."""
    return sum(1 for point in summary.current.points if point.has_numbers)
