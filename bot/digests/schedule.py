"""When a workspace's weekly digest is due: pure date arithmetic in ``MOOD_TIMEZONE``.

A workspace sends its digests once a week at a weekday and time (``DIGEST_SEND_AT``, default
``mon 09:00``, or ``/sentiment digest time DAY HH:MM`` per workspace). The runner, started by
cron as often as you like, sends the digest of the most recent send time that has passed, if it
passed less than ``DIGEST_CATCH_UP_HOURS`` ago: a runner that was down for a week does not
flood channels with stale digests, and one that runs every few minutes sends each digest once
(the claim in the database sees to that). A digest is named by the date of its send time.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.schedule_time import SendAt


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


def next_send(now: datetime, send_at: SendAt, timezone: str) -> datetime:
    """The first send time after ``now``: a channel subscribed now gets its first digest then."""
    local = now.astimezone(ZoneInfo(timezone))
    return last_send_time(local, send_at) + timedelta(days=7)
