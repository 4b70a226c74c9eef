"""Period summaries: estimated shares with 90% intervals, from stored days and weeks (pure).

What a lead reads, for each day and period: messages counted, people, and the estimated share
of positive, negative and neutral messages, each with its interval (``bot.mood.estimate``),
plus the previous period as a baseline and the change with its interval.

Storage already keeps no closed row with fewer than ``MOOD_MIN_AUTHORS`` people: a small day is
folded into its week (``mood_weeks``), kept only if the week's people reach the minimum
(``bot.mood.store.close_days_before``). Here:

- a stored day with enough people and at least ``MOOD_MIN_MESSAGES`` messages is shown on its
  own (``shown``, or ``no_opinion`` when no message had a confident verdict either way);
- a day folded into a kept week counts in the period's numbers only when the whole week lies
  inside the period (``merged``): a week cut by the period's edge would change as the period
  slides. Otherwise, or while the week is open or below the minimum, the day is ``too_few``;
- a day with no stored row is ``empty`` (no messages counted, or folded into a week that was
  dropped for too few people: by design nothing tells those apart once the week closes).

Only closed days are passed in, so a shown number never changes afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from bot.mood.estimate import Calibration, Comparison, ShareEstimate, ShareSums, compare, estimate

if TYPE_CHECKING:  # no SQLAlchemy import for the pure summary
    from bot.mood.store import DayCounts, WeekCounts

STATUSES = ("shown", "no_opinion", "merged", "too_few", "empty")


@dataclass(frozen=True)
class DayPoint:
    """One calendar day of a period as a chart or export shows it.

    ``status``: ``shown`` (numbers), ``no_opinion`` (numbers; no confident verdict either
    way), ``merged`` (counted in the period through its week), ``too_few`` (hidden: fewer than
    the minimum people or messages), ``empty`` (nothing stored).
    """

    day: date
    status: str
    counts: DayCounts | None = None  # shown / no_opinion days only
    estimate: ShareEstimate | None = None

    @property
    def has_numbers(self) -> bool:
        return self.counts is not None and self.estimate is not None and self.estimate.shown


@dataclass(frozen=True)
class Period:
    """One period (e.g. the last 30 closed days) after the minimum-group-size rule."""

    first: date
    last: date
    points: tuple[DayPoint, ...]
    sums: ShareSums
    people: int  # the most distinct people in one shown day or merged week: a lower bound
    estimate: ShareEstimate

    @property
    def messages(self) -> int:
        return self.sums.messages

    def days(self, status: str) -> int:
        return sum(1 for p in self.points if p.status == status)

    @property
    def days_merged(self) -> int:
        return self.days("merged")

    @property
    def days_too_few(self) -> int:
        return self.days("too_few")


@dataclass(frozen=True)
class MoodSummary:
    """The current period, the one before it, and the change between them."""

    period_days: int
    current: Period
    previous: Period
    comparison: Comparison
    min_authors: int = 0


def is_large_enough(day: DayCounts, min_authors: int, min_messages: int) -> bool:
    return day.authors >= min_authors and day.messages >= min_messages


def period(
    rows: Sequence[DayCounts],
    weeks: Sequence[WeekCounts],
    first: date,
    last: date,
    calibration: Calibration,
    *,
    min_authors: int,
    min_messages: int,
    open_week: date | None = None,
) -> Period:
    """The days ``first``..``last`` of one channel; ``open_week``: the Monday of the oldest
    week not yet closed (its folded days are hidden until it closes)."""
    by_day = {row.day: row for row in rows if first <= row.day <= last and row.messages > 0}
    sums = ShareSums()
    people = 0
    status: dict[date, str] = {}
    for week in weeks:
        closed = open_week is None or week.week < open_week
        inside = week.week >= first and week.week + timedelta(days=6) <= last
        counted = closed and inside and week.people >= min_authors and week.messages > 0
        if counted:
            sums = sums + week.sums
            people = max(people, week.people)
        for day in week.days:
            status[day] = "merged" if counted else "too_few"
    points: list[DayPoint] = []
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        row = by_day.get(day)
        if row is None:
            points.append(DayPoint(day, status.get(day, "empty")))
        elif is_large_enough(row, min_authors, min_messages):
            sums = sums + row.sums
            people = max(people, row.authors)
            kind = "shown" if row.positive or row.negative else "no_opinion"
            points.append(
                DayPoint(day, kind, row, estimate(row.sums, calibration, people=row.authors))
            )
        else:
            if row.authors >= min_authors:  # enough people, too few messages to show alone
                sums = sums + row.sums
                people = max(people, row.authors)
            points.append(DayPoint(day, "too_few"))
    total = estimate(sums, calibration, people=people or None, min_messages=min_messages)
    return Period(first, last, tuple(points), sums, people, total)


def summarize(
    rows: Sequence[DayCounts],
    weeks: Sequence[WeekCounts] = (),
    *,
    last: date,
    period_days: int,
    min_authors: int,
    min_messages: int,
    calibration: Calibration | None = None,
    open_week: date | None = None,
) -> MoodSummary:
    """The ``period_days`` ending ``last`` and the same length before, from stored rows."""
    calibration = calibration or Calibration.identity()
    first = last - timedelta(days=period_days - 1)
    previous_last = first - timedelta(days=1)
    previous_first = previous_last - timedelta(days=period_days - 1)
    rule = {"min_authors": min_authors, "min_messages": min_messages, "open_week": open_week}
    current = period(rows, weeks, first, last, calibration, **rule)
    previous = period(rows, weeks, previous_first, previous_last, calibration, **rule)
    comparison = compare(current.estimate, previous.estimate, calibration)
    return MoodSummary(period_days, current, previous, comparison, min_authors)
