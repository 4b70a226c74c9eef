"""The tests' direct database access: write stored mood days as if the bot had counted them,
and read every row back (privacy scans, digest post states)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import Engine, MetaData, insert, select

from bot.storage.home_schema import scheduled_posts
from bot.storage.schema import mood_days


def add_days(
    engine: Engine,
    channel_id: str,
    days: Iterable[tuple[date, int, int, int]],
    *,
    team_id: str = "T0000FAKE",
    enterprise_id: str = "",
    authors: int = 6,
) -> None:
    """``(day, messages, positive, negative)`` rows for one channel (score from the shares)."""
    rows = [
        {
            "team_id": team_id,
            "enterprise_id": enterprise_id,
            "channel_id": channel_id,
            "day": day,
            "messages": messages,
            "positive": positive,
            "negative": negative,
            "score_sum": 0.5 * messages + 0.4 * (positive - negative),
            "authors": authors,
        }
        for day, messages, positive, negative in days
    ]
    if rows:
        with engine.begin() as connection:
            connection.execute(insert(mood_days), rows)


def all_rows(engine: Engine, tables: Iterable[str] | None = None) -> dict[str, list[tuple]]:
    """Every row of every table (the privacy tests scan this for texts and user ids)."""
    reflected = MetaData()
    reflected.reflect(engine)
    out: dict[str, list[tuple]] = {}
    with engine.connect() as connection:
        for name, table in reflected.tables.items():
            if tables is None or name in tables:
                out[name] = [tuple(row) for row in connection.execute(select(table))]
    return out


def post_states(engine: Engine) -> list[tuple[str, str, str, str, int]]:
    """(kind, channel, period, state, attempts) of every digest or alert post."""
    query = select(
        scheduled_posts.c.kind,
        scheduled_posts.c.channel_id,
        scheduled_posts.c.period,
        scheduled_posts.c.state,
        scheduled_posts.c.attempts,
    ).order_by(scheduled_posts.c.kind, scheduled_posts.c.channel_id, scheduled_posts.c.period)
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(query)]
