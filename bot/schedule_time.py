"""A weekly send time (``mon 09:00``): the typed value and its one parser.

It lives here, below both ``bot.settings`` (``DIGEST_SEND_AT``) and ``bot.digests`` (the
``/sentiment digest time`` command and the runner), so settings can parse the send time once
without importing a feature, and both read the same rule for what a send time is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SEND_AT = re.compile(r"^\s*([a-z]+)\s+(\d{1,2}):(\d{2})\s*$", re.I)


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
    """``mon 09:00``, ``Friday 16:30``... into a ``SendAt``.

    A weekday is its full name or its three-letter abbreviation, nothing else: ``monkey`` is
    not Monday, and a typo must not quietly move every channel's digest.
    """
    match = _SEND_AT.match(text or "")
    day = match.group(1).lower() if match else ""
    if day in _FULL_NAMES:
        day = day[:3]
    if not match or day not in WEEKDAYS:
        raise ScheduleError(
            "send time must look like 'mon 09:00' (a weekday as mon or monday and a 24-hour "
            f"time), not {text!r}"
        )
    hours, minutes = int(match.group(2)), int(match.group(3))
    if hours > 23 or minutes > 59:
        raise ScheduleError(f"send time must be between 00:00 and 23:59, not {text!r}")
    return SendAt(WEEKDAYS.index(day), hours * 60 + minutes)
