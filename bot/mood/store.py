"""Every read and write of the mood tables (``bot.storage.schema``), on a SQLAlchemy engine.

Functions take the engine (or a connection inside a transaction) and plain values; they hold no
state, so the recorder, the command and the tests share them. Writes are idempotent where
several processes may race (keys are created with insert-or-ignore, then read back).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Connection, Engine, and_, delete, exists, func, select, update
from sqlalchemy import bindparam as param

from bot.mood import privacy
from bot.mood.days import week_of
from bot.mood.estimate import ShareSums
from bot.mood.tally import DayKey, DayTally, OptOuts
from bot.mood.workspace import Workspace
from bot.storage.day_counts import COUNTS, add_to_day, counts_of
from bot.storage.engine import upsert
from bot.storage.schema import (
    mood_channels,
    mood_day_authors,
    mood_day_keys,
    mood_days,
    mood_optout_keys,
    mood_optouts,
    mood_weeks,
)


@dataclass(frozen=True)
class DayCounts:
    """One stored day of one channel (what summaries are built from).

    ``positive`` / ``negative``: messages with a confident verdict (a day with neither had
    nothing opinionated); ``sums``: the share sums the estimate is made from.
    """

    day: date
    messages: int
    positive: int
    negative: int
    authors: int
    sums: ShareSums


@dataclass(frozen=True)
class WeekCounts:
    """The days of one week that had too few people on their own, folded together.

    ``people`` is the week's distinct people over those days (0 while the week is open);
    ``days`` the folded days.
    """

    week: date
    messages: int
    positive: int
    negative: int
    people: int
    sums: ShareSums
    days: tuple[date, ...]


def _sums_of(row: Mapping) -> ShareSums:
    return ShareSums.from_row(row)


def _mask_days(week: date, mask: int) -> tuple[date, ...]:
    return tuple(week + timedelta(days=d) for d in range(7) if mask & (1 << d))


def _scope(table, workspace: Workspace):
    return and_(
        table.c.team_id == workspace.team_id, table.c.enterprise_id == workspace.enterprise_id
    )


# -- the day's author key ------------------------------------------------------------------


def day_key(connection: Connection, workspace: Workspace, day: date) -> bytes:
    """The random key for ``workspace``'s week of ``day``, created by whichever process asks
    first. One key per week, so a person's hashes on two days of a week match and a week of
    small days can count its distinct people."""
    day = week_of(day)
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

    ``keys`` maps ``(workspace, week)`` (the Monday) to that week's key (from ``day_key``).
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
        secret = keys[(key.workspace, week_of(key.day))]
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


def close_days_before(
    engine: Engine,
    first_open: date,
    min_authors: int,
    raised: Mapping[Workspace, int] | None = None,
) -> int:
    """Close every day before ``first_open``: no closed row keeps fewer than ``min_authors``
    (or a workspace's ``raised`` minimum, ``/sentiment mood min-people``).

    - A closed day with enough people keeps its row; its author hashes are deleted.
    - A closed day with fewer is folded into its week (``mood_weeks``: sums added, its bit set)
      and its row deleted; its hashes stay until the week closes, to count the week's people.
    - A closed week (its Sunday closed) gets its distinct people from those hashes, and is kept
      only when they reach ``min_authors``; then every hash and key of the week is deleted.

    Returns the author hashes deleted.
    """
    open_week = week_of(first_open)
    raised = raised or {}
    top = max([min_authors, *raised.values()])

    def needed(row: Mapping) -> int:
        return max(min_authors, raised.get(Workspace(row["team_id"], row["enterprise_id"]), 0))

    with engine.begin() as connection:
        small = (
            connection.execute(
                select(mood_days).where(mood_days.c.day < first_open, mood_days.c.authors < top)
            )
            .mappings()
            .all()
        )
        for row in (row for row in small if row["authors"] < needed(row)):
            fold_into_week(connection, row, row["channel_id"], row["day"])
            connection.execute(
                delete(mood_days).where(
                    mood_days.c.team_id == row["team_id"],
                    mood_days.c.enterprise_id == row["enterprise_id"],
                    mood_days.c.channel_id == row["channel_id"],
                    mood_days.c.day == row["day"],
                )
            )
        kept_day = exists().where(
            mood_days.c.team_id == mood_day_authors.c.team_id,
            mood_days.c.enterprise_id == mood_day_authors.c.enterprise_id,
            mood_days.c.channel_id == mood_day_authors.c.channel_id,
            mood_days.c.day == mood_day_authors.c.day,
        )
        gone = (
            connection.execute(
                delete(mood_day_authors).where(mood_day_authors.c.day < first_open, kept_day)
            ).rowcount
            or 0
        )
        closing = (
            connection.execute(
                select(mood_weeks).where(mood_weeks.c.week < open_week, mood_weeks.c.people < top)
            )
            .mappings()
            .all()
        )
        for week in (week for week in closing if week["people"] < needed(week)):
            hashes = and_(
                mood_day_authors.c.team_id == week["team_id"],
                mood_day_authors.c.enterprise_id == week["enterprise_id"],
                mood_day_authors.c.channel_id == week["channel_id"],
                mood_day_authors.c.day >= week["week"],
                mood_day_authors.c.day < week["week"] + timedelta(days=7),
            )
            people = connection.execute(
                select(func.count(func.distinct(mood_day_authors.c.author_hash))).where(hashes)
            ).scalar_one()
            people = max(int(people), int(week["people"]))
            where = and_(
                mood_weeks.c.team_id == week["team_id"],
                mood_weeks.c.enterprise_id == week["enterprise_id"],
                mood_weeks.c.channel_id == week["channel_id"],
                mood_weeks.c.week == week["week"],
            )
            if people >= needed(week):
                connection.execute(update(mood_weeks).where(where).values(people=people))
            else:
                connection.execute(delete(mood_weeks).where(where))
        gone += (
            connection.execute(
                delete(mood_day_authors).where(mood_day_authors.c.day < open_week)
            ).rowcount
            or 0
        )
        connection.execute(delete(mood_day_keys).where(mood_day_keys.c.day < open_week))
    return int(gone)


def fold_into_week(
    connection: Connection, counts: Mapping, channel_id: str, day: date, *, people: int = 0
) -> None:
    """Add one day's counts to its week's row in ``mood_weeks`` and mark the day as folded.

    ``people``: a lower bound for the week's distinct people already known (a backfill's closed
    part of the week); the row keeps the larger of it and what it had.
    """
    insert = upsert(connection.engine)(mood_weeks)
    week = week_of(day)
    values = {
        "team_id": counts["team_id"],
        "enterprise_id": counts["enterprise_id"],
        "channel_id": channel_id,
        "week": week,
        **{name: counts[name] for name in COUNTS},
        "people": people,
        "days_mask": 1 << (day - week).days,
    }
    statement = insert.values(**values).on_conflict_do_update(
        index_elements=["team_id", "enterprise_id", "channel_id", "week"],
        set_={
            **{name: mood_weeks.c[name] + insert.excluded[name] for name in COUNTS},
            "people": func.max(mood_weeks.c.people, insert.excluded.people)
            if connection.engine.dialect.name == "sqlite"
            else func.greatest(mood_weeks.c.people, insert.excluded.people),
            "days_mask": mood_weeks.c.days_mask.op("|")(insert.excluded.days_mask),
        },
    )
    connection.execute(statement)


def delete_days_before(engine: Engine, oldest_kept: date) -> int:
    """Retention: delete the counts of days (and whole weeks) before ``oldest_kept``; return
    rows deleted."""
    with engine.begin() as connection:
        result = connection.execute(delete(mood_days).where(mood_days.c.day < oldest_kept))
        weeks = connection.execute(
            delete(mood_weeks).where(mood_weeks.c.week < oldest_kept - timedelta(days=6))
        )
    return int((result.rowcount or 0) + (weeks.rowcount or 0))


# -- reading counts ---------------------------------------------------------------------------


def channel_days(
    engine: Engine, workspace: Workspace, channel_id: str, first: date, last: date
) -> list[DayCounts]:
    """The stored days of one channel from ``first`` to ``last`` (inclusive), oldest first."""
    query = (
        select(mood_days)
        .where(
            _scope(mood_days, workspace),
            mood_days.c.channel_id == channel_id,
            mood_days.c.day >= first,
            mood_days.c.day <= last,
        )
        .order_by(mood_days.c.day)
    )
    with engine.connect() as connection:
        return [
            DayCounts(
                row["day"],
                row["messages"],
                row["positive"],
                row["negative"],
                row["authors"],
                _sums_of(row),
            )
            for row in connection.execute(query).mappings()
        ]


def channel_weeks(
    engine: Engine, workspace: Workspace, channel_id: str, first: date, last: date
) -> list[WeekCounts]:
    """The folded weeks of one channel touching ``first``..``last``, oldest first."""
    query = (
        select(mood_weeks)
        .where(
            _scope(mood_weeks, workspace),
            mood_weeks.c.channel_id == channel_id,
            mood_weeks.c.week >= week_of(first),
            mood_weeks.c.week <= last,
        )
        .order_by(mood_weeks.c.week)
    )
    with engine.connect() as connection:
        return [
            WeekCounts(
                row["week"],
                row["messages"],
                row["positive"],
                row["negative"],
                row["people"],
                _sums_of(row),
                _mask_days(row["week"], row["days_mask"]),
            )
            for row in connection.execute(query).mappings()
        ]


def tracked_channels(engine: Engine, workspace: Workspace, since: date) -> list[str]:
    """Channels of ``workspace`` with any counts since ``since`` (for Home tabs and digests)."""
    days = select(mood_days.c.channel_id).where(
        _scope(mood_days, workspace), mood_days.c.day >= since
    )
    weeks = select(mood_weeks.c.channel_id).where(
        _scope(mood_weeks, workspace), mood_weeks.c.week >= week_of(since)
    )
    with engine.connect() as connection:
        found = set(connection.execute(days).scalars()) | set(connection.execute(weeks).scalars())
    return sorted(found)


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
