"""Every read and write of the mood tables (``bot.storage.schema``), on a SQLAlchemy engine.

Functions take the engine (or a connection inside a transaction) and plain values; they hold no
state, so the recorder, the command and the tests share them. Writes are idempotent where
several processes may race (keys are created with insert-or-ignore, then read back).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Connection, Engine, and_, delete, func, select, update
from sqlalchemy import bindparam as param

from bot.mood import privacy
from bot.mood.tally import DayKey, DayTally, OptOuts
from bot.mood.workspace import Workspace
from bot.storage.day_counts import add_to_day, counts_of
from bot.storage.engine import upsert
from bot.storage.schema import (
    mood_channels,
    mood_day_authors,
    mood_day_keys,
    mood_days,
    mood_optout_keys,
    mood_optouts,
)


@dataclass(frozen=True)
class DayCounts:
    """One stored day of one channel (what summaries are built from)."""

    day: date
    messages: int
    positive: int
    negative: int
    score_sum: float
    authors: int


def _scope(table, workspace: Workspace):
    return and_(
        table.c.team_id == workspace.team_id, table.c.enterprise_id == workspace.enterprise_id
    )


# -- the day's author key ------------------------------------------------------------------


def day_key(connection: Connection, workspace: Workspace, day: date) -> bytes:
    """The random key for ``workspace``'s ``day``, created by whichever process asks first."""
    query = select(mood_day_keys.c.hash_key).where(
        _scope(mood_day_keys, workspace), mood_day_keys.c.day == day
    )
    found = connection.execute(query).scalar()
    if found is not None:
        return bytes(found)
    insert = upsert(connection.engine)(mood_day_keys).values(
        team_id=workspace.team_id,
        enterprise_id=workspace.enterprise_id,
        day=day,
        hash_key=privacy.new_key(),
    )
    connection.execute(insert.on_conflict_do_nothing())
    return bytes(connection.execute(query).scalar_one())


# -- adding counts ---------------------------------------------------------------------------


def add_tallies(
    connection: Connection, tallies: Mapping[DayKey, DayTally], keys: Mapping[tuple, bytes]
) -> None:
    """Add one batch of tallies in the caller's transaction; authors are counted via hashes.

    ``keys`` maps ``(workspace, day)`` to that day's key (from ``day_key``).
    """
    if not tallies:
        return
    insert = upsert(connection.engine)
    days = add_to_day(connection.engine, mood_days)
    rows = []
    hashes = []
    for key, tally in tallies.items():
        scope = {"team_id": key.workspace.team_id, "enterprise_id": key.workspace.enterprise_id}
        row = {"channel_id": key.channel_id, "day": key.day}
        rows.append(
            {
                **scope,
                **row,
                **counts_of(tally),
                "authors": 0,
            }
        )
        secret = keys[(key.workspace, key.day)]
        hashes.extend(
            {**scope, **row, "author_hash": privacy.author_hash(secret, key.channel_id, user)}
            for user in sorted(tally.authors)
        )
    connection.execute(days, rows)
    if hashes:
        connection.execute(insert(mood_day_authors).on_conflict_do_nothing(), hashes)
    counted = (
        select(func.count())
        .select_from(mood_day_authors)
        .where(
            mood_day_authors.c.team_id == mood_days.c.team_id,
            mood_day_authors.c.enterprise_id == mood_days.c.enterprise_id,
            mood_day_authors.c.channel_id == mood_days.c.channel_id,
            mood_day_authors.c.day == mood_days.c.day,
        )
        .scalar_subquery()
    )
    recount = (
        update(mood_days)
        .where(
            mood_days.c.team_id == param("k_team"),
            mood_days.c.enterprise_id == param("k_enterprise"),
            mood_days.c.channel_id == param("k_channel"),
            mood_days.c.day == param("k_day"),
        )
        .values(authors=counted)
    )
    connection.execute(
        recount,
        [
            {
                "k_team": key.workspace.team_id,
                "k_enterprise": key.workspace.enterprise_id,
                "k_channel": key.channel_id,
                "k_day": key.day,
            }
            for key in tallies
        ],
    )


# -- closing days and retention ---------------------------------------------------------------


def close_days_before(engine: Engine, first_open: date) -> int:
    """Delete the author hashes and keys of every day before ``first_open``; return hashes gone.

    The authors count already sits in ``mood_days``; after this nothing can tell who wrote.
    """
    with engine.begin() as connection:
        gone = connection.execute(
            delete(mood_day_authors).where(mood_day_authors.c.day < first_open)
        ).rowcount
        connection.execute(delete(mood_day_keys).where(mood_day_keys.c.day < first_open))
    return int(gone or 0)


def delete_days_before(engine: Engine, oldest_kept: date) -> int:
    """Retention: delete the counts of days before ``oldest_kept``; return rows deleted."""
    with engine.begin() as connection:
        result = connection.execute(delete(mood_days).where(mood_days.c.day < oldest_kept))
    return int(result.rowcount or 0)


# -- reading counts ---------------------------------------------------------------------------


def channel_days(
    engine: Engine, workspace: Workspace, channel_id: str, first: date, last: date
) -> list[DayCounts]:
    """The stored days of one channel from ``first`` to ``last`` (inclusive), oldest first."""
    query = (
        select(
            mood_days.c.day,
            mood_days.c.messages,
            mood_days.c.positive,
            mood_days.c.negative,
            mood_days.c.score_sum,
            mood_days.c.authors,
        )
        .where(
            _scope(mood_days, workspace),
            mood_days.c.channel_id == channel_id,
            mood_days.c.day >= first,
            mood_days.c.day <= last,
        )
        .order_by(mood_days.c.day)
    )
    with engine.connect() as connection:
        return [DayCounts(*row) for row in connection.execute(query)]


def tracked_channels(engine: Engine, workspace: Workspace, since: date) -> list[str]:
    """Channels of ``workspace`` with any counts since ``since`` (for Home tabs and digests)."""
    query = (
        select(mood_days.c.channel_id)
        .where(_scope(mood_days, workspace), mood_days.c.day >= since)
        .group_by(mood_days.c.channel_id)
        .order_by(mood_days.c.channel_id)
    )
    with engine.connect() as connection:
        return list(connection.execute(query).scalars())


# -- opt-outs ---------------------------------------------------------------------------------


def optout_key(connection: Connection, workspace: Workspace) -> bytes:
    """The workspace's opt-out key, created on first use."""
    query = select(mood_optout_keys.c.hash_key).where(_scope(mood_optout_keys, workspace))
    found = connection.execute(query).scalar()
    if found is not None:
        return bytes(found)
    insert = upsert(connection.engine)(mood_optout_keys).values(
        team_id=workspace.team_id,
        enterprise_id=workspace.enterprise_id,
        hash_key=privacy.new_key(),
    )
    connection.execute(insert.on_conflict_do_nothing())
    return bytes(connection.execute(query).scalar_one())


def set_opted_out(engine: Engine, workspace: Workspace, user_id: str, opted_out: bool) -> bytes:
    """Add or remove ``user_id`` (as a keyed hash) from the opt-out list; return the hash."""
    with engine.begin() as connection:
        user_hash = privacy.user_hash(optout_key(connection, workspace), user_id)
        if opted_out:
            insert = upsert(engine)(mood_optouts).values(
                team_id=workspace.team_id,
                enterprise_id=workspace.enterprise_id,
                user_hash=user_hash,
            )
            connection.execute(insert.on_conflict_do_nothing())
        else:
            connection.execute(
                delete(mood_optouts).where(
                    _scope(mood_optouts, workspace), mood_optouts.c.user_hash == user_hash
                )
            )
    return user_hash


def load_optouts(engine: Engine) -> OptOuts:
    """Read the whole opt-out list (small: only people who opted out)."""
    with engine.connect() as connection:
        keys = {
            Workspace(team, enterprise): bytes(key)
            for team, enterprise, key in connection.execute(
                select(
                    mood_optout_keys.c.team_id,
                    mood_optout_keys.c.enterprise_id,
                    mood_optout_keys.c.hash_key,
                )
            )
        }
        grouped: dict[Workspace, set[bytes]] = {}
        for team, enterprise, user_hash in connection.execute(
            select(mood_optouts.c.team_id, mood_optouts.c.enterprise_id, mood_optouts.c.user_hash)
        ):
            grouped.setdefault(Workspace(team, enterprise), set()).add(bytes(user_hash))
    return OptOuts(keys, {ws: frozenset(hashes) for ws, hashes in grouped.items()})


# -- per-channel tracking ---------------------------------------------------------------------


def set_channel_tracking(
    engine: Engine, workspace: Workspace, channel_id: str, tracking: bool
) -> None:
    """Record ``/sentiment mood on|off`` for one channel."""
    insert = upsert(engine)(mood_channels).values(
        team_id=workspace.team_id,
        enterprise_id=workspace.enterprise_id,
        channel_id=channel_id,
        tracking=tracking,
        changed_at=datetime.now(UTC),
    )
    insert = insert.on_conflict_do_update(
        index_elements=["team_id", "enterprise_id", "channel_id"],
        set_={"tracking": insert.excluded.tracking, "changed_at": insert.excluded.changed_at},
    )
    with engine.begin() as connection:
        connection.execute(insert)


def untracked_channels(engine: Engine) -> frozenset[tuple[Workspace, str]]:
    """Every (workspace, channel) where counting is turned off."""
    query = select(
        mood_channels.c.team_id, mood_channels.c.enterprise_id, mood_channels.c.channel_id
    ).where(mood_channels.c.tracking.is_(False))
    with engine.connect() as connection:
        return frozenset(
            (Workspace(team, enterprise), channel)
            for team, enterprise, channel in connection.execute(query)
        )
