"""Backfill jobs in the database: the window, the high-water mark, staged days, the lease.

Every page of history is committed in one transaction together with the new high-water mark
(``done_down_to``: every message at or above it was read), so a job stopped anywhere resumes
below the mark and no message is counted twice. The mark only moves down, and only for the
runner holding the job's lease, so two runners cannot both count a page.

Days are staged (``backfill_days``, with the day's distinct authors as keyed hashes under the
job's random key) while pages of them are still coming, and published when the reader has
passed below the day's start: a day appears complete or not at all. The same rule as live
counting at rest (``bot.mood.store.close_days_before``): a day with at least ``min_authors``
people goes into ``mood_days`` and its hashes are deleted; a smaller day waits, staged, until
the reader has passed below its week's Monday (or the job ends), then the week's small days are
folded into ``mood_weeks`` when their distinct people reach ``min_authors``, or dropped. Either
way their hashes go. The job's key is deleted when it ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Connection, Engine, and_, delete, func, select, update

from bot.mood import privacy
from bot.mood.days import week_of
from bot.mood.store import fold_into_week
from bot.mood.tally import DayTally
from bot.mood.workspace import Workspace
from bot.storage.day_counts import add_to_day, counts_of
from bot.storage.engine import upsert
from bot.storage.home_schema import backfill_authors, backfill_days, backfill_jobs
from bot.storage.schema import mood_days, mood_weeks


class LeaseLostError(RuntimeError):
    """Another runner took this job over (ours stalled past its lease): stop quietly."""


@dataclass(frozen=True)
class Job:
    workspace: Workspace
    channel_id: str
    state: str
    oldest_ts: float
    bound_ts: float
    done_down_to: float | None
    messages_read: int
    messages_counted: int
    hash_key: bytes | None
    progress_channel: str | None
    progress_ts: str | None

    @property
    def latest(self) -> float:
        """Where reading continues: below the mark, or below the window's end."""
        return self.done_down_to if self.done_down_to is not None else self.bound_ts


def _where(table, workspace: Workspace, channel_id: str):
    return and_(
        table.c.team_id == workspace.team_id,
        table.c.enterprise_id == workspace.enterprise_id,
        table.c.channel_id == channel_id,
    )


def load_job(engine: Engine, workspace: Workspace, channel_id: str) -> Job | None:
    columns = [
        backfill_jobs.c.state,
        backfill_jobs.c.oldest_ts,
        backfill_jobs.c.bound_ts,
        backfill_jobs.c.done_down_to,
        backfill_jobs.c.messages_read,
        backfill_jobs.c.messages_counted,
        backfill_jobs.c.hash_key,
        backfill_jobs.c.progress_channel,
        backfill_jobs.c.progress_ts,
    ]
    query = select(*columns).where(_where(backfill_jobs, workspace, channel_id))
    with engine.connect() as connection:
        row = connection.execute(query).first()
    if row is None:
        return None
    key = bytes(row[6]) if row[6] is not None else None
    return Job(workspace, channel_id, row[0], row[1], row[2], row[3], row[4], row[5], key, *row[7:])


def first_counted_day(engine: Engine, workspace: Workspace, channel_id: str, since: date):
    """The first day since ``since`` that live counting (or a backfill) already has, as a day
    of its own or folded into a week."""
    query = select(func.min(mood_days.c.day)).where(
        _where(mood_days, workspace, channel_id), mood_days.c.day >= since
    )
    weeks = select(mood_weeks.c.week, mood_weeks.c.days_mask).where(
        _where(mood_weeks, workspace, channel_id), mood_weeks.c.week >= week_of(since)
    )
    with engine.connect() as connection:
        found = [connection.execute(query).scalar()]
        for week, mask in connection.execute(weeks):
            found += [week + timedelta(days=d) for d in range(7) if mask & (1 << d)]
    days = [d for d in found if d is not None and d >= since]
    return min(days) if days else None


def acquire(
    engine: Engine,
    workspace: Workspace,
    channel_id: str,
    *,
    owner: str,
    oldest_ts: float,
    bound_ts: float,
    lease: timedelta,
    now: datetime | None = None,
) -> tuple[str, Job | None]:
    """Start a job or resume a stalled one: ("started"|"resumed"|"running"|"done", job)."""
    now = now or datetime.now(UTC)
    insert = (
        upsert(engine)(backfill_jobs)
        .values(
            team_id=workspace.team_id,
            enterprise_id=workspace.enterprise_id,
            channel_id=channel_id,
            state="running",
            oldest_ts=oldest_ts,
            bound_ts=bound_ts,
            hash_key=privacy.new_key(),
            lease_owner=owner,
            lease_expires=now + lease,
            updated_at=now,
        )
        .on_conflict_do_nothing()
        .returning(backfill_jobs.c.state)
    )
    with engine.begin() as connection:
        started = connection.execute(insert).first() is not None
    if started:
        return "started", load_job(engine, workspace, channel_id)
    existing = load_job(engine, workspace, channel_id)
    if existing is None or existing.state == "done":
        return "done", existing
    takeover = (
        update(backfill_jobs)
        .where(
            _where(backfill_jobs, workspace, channel_id),
            backfill_jobs.c.state != "done",
            (backfill_jobs.c.lease_expires < now) | (backfill_jobs.c.state == "failed"),
        )
        .values(state="running", lease_owner=owner, lease_expires=now + lease, error=None)
    )
    with engine.begin() as connection:
        resumed = connection.execute(takeover).rowcount == 1
    if resumed:
        return "resumed", load_job(engine, workspace, channel_id)
    return "running", existing


def set_progress_message(
    engine: Engine, workspace: Workspace, channel_id: str, channel: str, ts: str
) -> None:
    with engine.begin() as connection:
        connection.execute(
            update(backfill_jobs)
            .where(_where(backfill_jobs, workspace, channel_id))
            .values(progress_channel=channel, progress_ts=ts)
        )


def commit_page(
    engine: Engine,
    job: Job,
    *,
    owner: str,
    tallies: dict[date, DayTally],
    read: int,
    new_mark: float,
    complete_before: date | None,
    lease: timedelta,
    min_authors: int = 1,
    now: datetime | None = None,
) -> None:
    """Count one page and move the mark down, atomically; publish the days now complete.

    ``complete_before``: every staged day after this one is complete (the reader is below
    its start); None publishes every staged day (the job ended).
    """
    now = now or datetime.now(UTC)
    counted = sum(t.messages for t in tallies.values())
    ws, channel = job.workspace, job.channel_id
    with engine.begin() as connection:
        moved = connection.execute(
            update(backfill_jobs)
            .where(
                _where(backfill_jobs, ws, channel),
                backfill_jobs.c.lease_owner == owner,
                backfill_jobs.c.state == "running",
                (backfill_jobs.c.done_down_to.is_(None))
                | (backfill_jobs.c.done_down_to > new_mark),
            )
            .values(
                done_down_to=new_mark,
                messages_read=backfill_jobs.c.messages_read + read,
                messages_counted=backfill_jobs.c.messages_counted + counted,
                lease_expires=now + lease,
                updated_at=now,
            )
        ).rowcount
        if moved != 1:
            raise LeaseLostError(channel)
        _stage(connection, job, tallies)
        _publish(connection, job, complete_before, min_authors)


def _stage(connection: Connection, job: Job, tallies: dict[date, DayTally]) -> None:
    if not tallies:
        return
    scope = {"team_id": job.workspace.team_id, "enterprise_id": job.workspace.enterprise_id}
    staged = add_to_day(connection.engine, backfill_days)
    rows, hashes = [], []
    for day, tally in tallies.items():
        row = {**scope, "channel_id": job.channel_id, "day": day}
        rows.append({**row, **counts_of(tally)})
        hashes.extend(
            {**row, "author_hash": privacy.author_hash(job.hash_key or b"", job.channel_id, user)}
            for user in sorted(tally.authors)
        )
    connection.execute(staged, rows)
    if hashes:
        connection.execute(
            upsert(connection.engine)(backfill_authors).on_conflict_do_nothing(), hashes
        )


def _publish(
    connection: Connection, job: Job, complete_before: date | None, min_authors: int
) -> None:
    """Publish the complete staged days: large ones as days, small ones folded by week."""
    where = _where(backfill_days, job.workspace, job.channel_id)
    if complete_before is not None:
        where = and_(where, backfill_days.c.day > complete_before)
    staged = connection.execute(select(backfill_days).where(where)).mappings().all()
    if not staged:
        return
    author_where = _where(backfill_authors, job.workspace, job.channel_id)
    # Adding to an existing row is never expected (the window ends before the live days).
    insert = add_to_day(connection.engine, mood_days)
    small: dict[date, list] = {}
    for row in staged:
        day = row["day"]
        authors = connection.execute(
            select(func.count())
            .select_from(backfill_authors)
            .where(author_where, backfill_authors.c.day == day)
        ).scalar_one()
        if authors < min_authors:
            small.setdefault(week_of(day), []).append(row)
            continue
        connection.execute(
            insert.values(
                team_id=job.workspace.team_id,
                enterprise_id=job.workspace.enterprise_id,
                channel_id=job.channel_id,
                day=day,
                **counts_of(row),
                authors=authors,
            )
        )
        _unstage(connection, job, [day])
    for week, rows in small.items():
        if complete_before is not None and week <= complete_before:
            continue  # the reader has not passed below this week's Monday yet
        week_days = [row["day"] for row in rows]
        people = connection.execute(
            select(func.count(func.distinct(backfill_authors.c.author_hash))).where(
                author_where, backfill_authors.c.day.in_(week_days)
            )
        ).scalar_one()
        if people >= min_authors:
            for row in rows:
                fold_into_week(connection, row, job.channel_id, row["day"], people=people)
        _unstage(connection, job, week_days)


def _unstage(connection: Connection, job: Job, days: list[date]) -> None:
    """Delete staged days and their author hashes."""
    connection.execute(
        delete(backfill_authors).where(
            _where(backfill_authors, job.workspace, job.channel_id),
            backfill_authors.c.day.in_(days),
        )
    )
    connection.execute(
        delete(backfill_days).where(
            _where(backfill_days, job.workspace, job.channel_id), backfill_days.c.day.in_(days)
        )
    )


def finish(
    engine: Engine,
    job: Job,
    owner: str,
    state: str,
    error: str | None = None,
    *,
    min_authors: int = 1,
) -> None:
    """End the job: "done" publishes what is staged and forgets the key; "failed" keeps both."""
    with engine.begin() as connection:
        if state == "done":
            _publish(connection, job, None, min_authors)
        connection.execute(
            update(backfill_jobs)
            .where(
                _where(backfill_jobs, job.workspace, job.channel_id),
                backfill_jobs.c.lease_owner == owner,
            )
            .values(
                state=state,
                error=error,
                lease_owner=None,
                lease_expires=None,
                hash_key=None if state == "done" else backfill_jobs.c.hash_key,
                updated_at=datetime.now(UTC),
            )
        )
