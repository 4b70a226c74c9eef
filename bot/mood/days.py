"""Calendar days in ``MOOD_TIMEZONE``: which day a message counts for, and which days are closed.

A message counts for the day of its Slack timestamp in the workspace's time zone. A day stays
open for ``CLOSE_GRACE`` after midnight, for Slack's redeliveries and the last flush; then it is
closed: its author hashes and key are deleted, it never changes again, and only closed days are
ever shown (an open day shown twice would reveal the one message that changed between the two).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

CLOSE_GRACE = timedelta(hours=1)


def day_of_ts(ts: str | float | None, tz: ZoneInfo, now: datetime) -> date:
    """The day of a Slack ``ts`` ("1700000000.000100") in ``tz``; ``now``'s day if unreadable."""
    try:
        moment = datetime.fromtimestamp(float(ts), tz)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError, OSError):
        moment = now.astimezone(tz)
    return moment.date()


def first_open_day(now: datetime, tz: ZoneInfo) -> date:
    """The oldest day still open at ``now``: every earlier day is closed."""
    return (now.astimezone(tz) - CLOSE_GRACE).date()


def last_closed_day(now: datetime, tz: ZoneInfo) -> date:
    """The newest closed day, the last day a summary may show."""
    return first_open_day(now, tz) - timedelta(days=1)


def week_of(day: date) -> date:
    """The Monday of ``day``'s calendar week: the unit a day with too few people is folded into."""
    return day - timedelta(days=day.weekday())


def first_open_week(now: datetime, tz: ZoneInfo) -> date:
    """The Monday of the oldest week still open: a week closes when its Sunday closes."""
    return week_of(first_open_day(now, tz))
