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


def assert_no_small_group_at_rest(engine: Engine, min_authors: int, first_open: date) -> None:
    """The at-rest rule over every table: no closed day or closed week describes fewer than
    ``min_authors`` people, and no author hash or key is older than the open week."""
    from datetime import timedelta

    open_week = first_open - timedelta(days=first_open.weekday())
    reflected = MetaData()
    reflected.reflect(engine)
    with engine.connect() as connection:
        for name, table in reflected.tables.items():
            columns = set(table.c.keys())
            rows = connection.execute(select(table)).mappings().all()
            for row in rows:
                if "authors" in columns and "day" in columns and row["day"] < first_open:
                    assert row["authors"] >= min_authors, (name, dict(row))
                if name == "mood_weeks" and row["week"] < open_week:
                    assert row["people"] >= min_authors, dict(row)
                if "author_hash" in columns or name == "mood_day_keys":
                    assert row["day"] >= open_week, (name, dict(row))
