"""Retention: the service's maintenance deletes days older than ``MOOD_RETENTION_DAYS``, on both
databases, with the clock moved forward (no sleeping).

Days are recorded the way the bot records them: signed message events whose ``ts`` falls on
that day, sent while the service's clock says it is that day, flushed, then closed.
"""

from __future__ import annotations

import logging
from datetime import date

from bot.mood import store
from tests.bot.mood.test_mood_app import GENERAL, POSITIVE, TEAM, USERS, message
from tests.helpers.mood_rows import all_rows
from tests.helpers.slack_app import served_app

RETENTION = 3


def stored_days(served) -> list[date]:
    rows = store.channel_days(served.mood.engine, TEAM, GENERAL, date(2000, 1, 1), date(2100, 1, 1))
    return [row.day for row in rows]


def record_today(served, clock) -> date:
    """Three counted messages from three people (the minimum group) with today's ``ts``."""
    now = clock()
    for n, user in enumerate(USERS[:3]):
        ts = f"{int(now.timestamp())}.{n + 1:06d}"
        assert served.send_event(message(POSITIVE + f" {n}", user, ts=ts))[0] == 200
    served.settle()
    assert served.mood.recorder.flush()
    return now.date()


def test_maintenance_deletes_days_older_than_the_retention_and_keeps_newer(
    database_url, clock, caplog
):
    caplog.set_level(logging.INFO, logger="bot.mood")
    with served_app(
        database_url=database_url, clock=clock, mood_retention_days=RETENTION
    ) as served:
        days = []
        for _ in range(3):  # three consecutive days, each recorded on its own day
            days.append(record_today(served, clock))
            clock.advance(days=1)
        assert stored_days(served) == days

        # Today is days[0] + 3: the oldest day kept is days[0] (today - RETENTION).
        served.mood.maintain()
        assert stored_days(served) == days
        assert "mood_retention" not in caplog.text

        clock.advance(days=1)  # days[0] is now one day past the retention
        served.mood.maintain()
        assert stored_days(served) == days[1:]
        assert f"mood_retention deleted_rows=1 before={days[1].isoformat()}" in caplog.text

        clock.advance(days=RETENTION + 10)  # everything is old now
        served.mood.maintain()
        assert stored_days(served) == []
        rows = all_rows(served.mood.engine, ["mood_days", "mood_day_authors"])
        assert rows == {"mood_days": [], "mood_day_authors": []}
