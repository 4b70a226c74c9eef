"""Period summaries with the minimum group size applied, from stored days (pure functions).

A day is shown only when at least ``MOOD_MIN_AUTHORS`` different people and
``MOOD_MIN_MESSAGES`` messages were counted. The days of one calendar week (Monday to Sunday)
that fall short are merged into one bucket, shown in the totals only when the bucket has enough
messages and at least one of its days had enough authors (distinct authors across days are not
known, and the largest day is a safe lower bound). Only whole weeks inside the period are
merged: a bucket cut by the period's edge would change as the period slides day by day, and two
overlapping buckets would isolate a small day. Anything else is "not enough people": it is left
out of every number, so no total minus the shown days ever isolates a small group. Only closed
days are ever passed in, so a shown number never changes afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # no SQLAlchemy import for the pure summary
    from bot.mood.store import DayCounts

SMOOTHING_DAYS = 7


@dataclass(frozen=True)
class Totals:
    """Counts added up over shown days and buckets."""

    messages: int = 0
    positive: int = 0
    negative: int = 0
    score_sum: float = 0.0

    def __add__(self, other: Totals) -> Totals:
        return Totals(
            self.messages + other.messages,
            self.positive + other.positive,
            self.negative + other.negative,
            self.score_sum + other.score_sum,
        )

    @classmethod
    def of(cls, days: Iterable[DayCounts]) -> Totals:
        total = cls()
        for day in days:
            total = total + cls(day.messages, day.positive, day.negative, day.score_sum)
        return total

    @property
    def positive_share(self) -> float | None:
        """Share of counted messages that were confidently positive (None without messages)."""
        return self.positive / self.messages if self.messages else None

    @property
    def negative_share(self) -> float | None:
        return self.negative / self.messages if self.messages else None

    @property
    def mean_score(self) -> float | None:
        """Mean P(positive) over the counted messages."""
        return self.score_sum / self.messages if self.messages else None


@dataclass(frozen=True)
class DayPoint:
    """One calendar day of a period as a chart may show it."""

    day: date
    shown: DayCounts | None  # None: no messages, merged, or not enough people
    status: str  # "shown", "empty", "merged", "too_few"
    smoothed_score: float | None = None  # the mood line (shown days only)


@dataclass(frozen=True)
class Period:
    """One period (e.g. the last 30 closed days) after the minimum-group-size rule."""

    first: date
    last: date
    points: tuple[DayPoint, ...]
    totals: Totals

    @property
    def days_merged(self) -> int:
        return sum(1 for p in self.points if p.status == "merged")

    @property
    def days_too_few(self) -> int:
        return sum(1 for p in self.points if p.status == "too_few")


@dataclass(frozen=True)
class MoodSummary:
    """The current period, the one before it, and the change between them."""

    period_days: int
    current: Period
    previous: Period

    def change(self, field: str) -> float | None:
        """Difference of a share (``positive_share``, ``negative_share``, ``mean_score``)."""
        now, before = getattr(self.current.totals, field), getattr(self.previous.totals, field)
        if now is None or before is None:
            return None
        return now - before


def is_large_enough(day: DayCounts, min_authors: int, min_messages: int) -> bool:
    return day.authors >= min_authors and day.messages >= min_messages


def _smoothed(points: list[DayPoint], window: int) -> list[DayPoint]:
    """Message-weighted mean P(positive) over the shown days of a trailing ``window``."""
    out = []
    for i, point in enumerate(points):
        if point.shown is None:
            out.append(point)
            continue
        recent = [p.shown for p in points[max(0, i - window + 1) : i + 1] if p.shown is not None]
        messages = sum(d.messages for d in recent)
        score = sum(d.score_sum for d in recent) / messages if messages else None
        out.append(DayPoint(point.day, point.shown, point.status, score))
    return out


def period(
    rows: Sequence[DayCounts], first: date, last: date, min_authors: int, min_messages: int
) -> Period:
    """The days ``first``..``last`` of one channel with small days merged or hidden."""
    by_day = {row.day: row for row in rows if first <= row.day <= last and row.messages > 0}
    points: list[DayPoint] = []
    totals = Totals()
    small_by_week: dict[date, list[DayCounts]] = {}
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        row = by_day.get(day)
        if row is None:
            points.append(DayPoint(day, None, "empty"))
        elif is_large_enough(row, min_authors, min_messages):
            points.append(DayPoint(day, row, "shown"))
            totals = totals + Totals.of([row])
        else:
            points.append(DayPoint(day, None, "too_few"))
            monday = day - timedelta(days=day.weekday())
            if monday >= first and monday + timedelta(days=6) <= last:  # whole weeks only
                small_by_week.setdefault(monday, []).append(row)
    merged_days: set[date] = set()
    for bucket in small_by_week.values():
        enough_messages = sum(d.messages for d in bucket) >= min_messages
        if enough_messages and max(d.authors for d in bucket) >= min_authors:
            totals = totals + Totals.of(bucket)
            merged_days.update(d.day for d in bucket)
    points = [DayPoint(p.day, None, "merged") if p.day in merged_days else p for p in points]
    return Period(first, last, tuple(_smoothed(points, SMOOTHING_DAYS)), totals)


def summarize(
    rows: Sequence[DayCounts],
    *,
    last: date,
    period_days: int,
    min_authors: int,
    min_messages: int,
) -> MoodSummary:
    """The ``period_days`` ending ``last`` and the same length before, from stored rows."""
    first = last - timedelta(days=period_days - 1)
    previous_last = first - timedelta(days=1)
    previous_first = previous_last - timedelta(days=period_days - 1)
    return MoodSummary(
        period_days,
        period(rows, first, last, min_authors, min_messages),
        period(rows, previous_first, previous_last, min_authors, min_messages),
    )
