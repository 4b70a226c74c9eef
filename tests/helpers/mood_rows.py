"""The tests' direct database access: write stored mood days as if the bot had counted them,
and read every row back (privacy scans, digest post states)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import Engine, MetaData, insert, select

from bot.mood.estimate import ShareSums
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
    """``(day, messages, positive, negative)`` rows for one channel; the share sums as if the
    confident messages leaned clearly their way and the rest were neutral."""
    rows = [
        {
            "team_id": team_id,
            "enterprise_id": enterprise_id,
            "channel_id": channel_id,
            "day": day,
            "positive": positive,
            "negative": negative,
            **sums_row(messages, positive, negative),
            "authors": authors,
        }
        for day, messages, positive, negative in days
    ]
    if rows:
        with engine.begin() as connection:
            connection.execute(insert(mood_days), rows)


def sums_row(messages: int, positive: int, negative: int) -> dict[str, float]:
    """The share-sum columns of a day with these confident counts (the rest neutral)."""
    rest = max(messages - positive - negative, 0)
    probabilities = (
        [(0.9, 0.05, 0.05)] * positive + [(0.05, 0.9, 0.05)] * negative + [(0.1, 0.1, 0.8)] * rest
    )
    return ShareSums.of(probabilities).to_row()


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
