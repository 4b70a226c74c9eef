"""When a workspace's weekly digest is due: pure date arithmetic in ``MOOD_TIMEZONE``.

A workspace sends its digests once a week at a weekday and time (``DIGEST_SEND_AT``, default
``mon 09:00``, or ``/sentiment digest time DAY HH:MM`` per workspace). The runner, started by
cron as often as you like, sends the digest of the most recent send time that has passed, if it
passed less than ``DIGEST_CATCH_UP_HOURS`` ago: a runner that was down for a week does not
flood channels with stale digests, and one that runs every few minutes sends each digest once
(the claim in the database sees to that). A digest is named by the date of its send time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SEND_AT = re.compile(r"^\s*([a-z]{3})[a-z]*\s+(\d{1,2}):(\d{2})\s*$", re.I)


class ScheduleError(ValueError):
    """A send time that cannot be read; the message says what to write instead."""


@dataclass(frozen=True)
class SendAt:
    """A weekly send time: weekday (0 = Monday) and minutes after local midnight."""

    weekday: int
    minute_of_day: int

    def __str__(self) -> str:
        hours, minutes = divmod(self.minute_of_day, 60)
        return f"{WEEKDAYS[self.weekday].capitalize()} {hours:02d}:{minutes:02d}"


def parse_send_at(text: str) -> SendAt:
    """``mon 09:00``, ``Friday 16:30``... into a ``SendAt``."""
    match = _SEND_AT.match(text or "")
    day = match.group(1).lower() if match else ""
    if not match or day not in WEEKDAYS:
        raise ScheduleError(
            f"send time must look like 'mon 09:00' (a weekday and a 24-hour time), not {text!r}"
        )
    hours, minutes = int(match.group(2)), int(match.group(3))
    if hours > 23 or minutes > 59:
        raise ScheduleError(f"send time must be between 00:00 and 23:59, not {text!r}")
    return SendAt(WEEKDAYS.index(day), hours * 60 + minutes)


def last_send_time(now_local: datetime, send_at: SendAt) -> datetime:
    """The most recent moment at or before ``now_local`` matching ``send_at`` (same tz)."""
    midnight = now_local.replace(hour=0, minute=0, second=0, microsecond=0)
    days_back = (now_local.weekday() - send_at.weekday) % 7
    moment = midnight - timedelta(days=days_back) + timedelta(minutes=send_at.minute_of_day)
    if moment > now_local:
        moment -= timedelta(days=7)
    return moment


def due_digest(now_local: datetime, send_at: SendAt, catch_up: timedelta) -> datetime | None:
    """The send time whose digest is due now, or None when the last one is too old."""
    moment = last_send_time(now_local, send_at)
    return moment if now_local - moment < catch_up else None
