"""Digest subscriptions, send times, alert states, and the claim that makes each post happen once.

The claim: before posting a digest or an alert, a runner inserts its row in ``scheduled_posts``
(the primary key is the post: kind, workspace, channel, period). A second runner's insert of
the same key does nothing, so only one runner posts. The row is marked ``sent`` after the post.
A runner killed between the two leaves a ``claimed`` row whose ``claim_expires`` passes; the
next runner takes it over (an UPDATE that only one runner's WHERE can match) and, before
posting, looks in the channel for the message a dead runner may already have posted (it
carries the post's key in Slack message metadata), so even that window posts nothing twice.

A post Slack refused for good (``mark_failed``) stays ``failed`` with Slack's error code in
``failure``, so later runs can say why instead of counting it as claimed by someone else
(``post_state``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, and_, delete, select, update

from bot.mood.workspace import Workspace
from bot.schedule_time import SendAt
from bot.storage.engine import upsert
from bot.storage.home_schema import (
    alert_states,
    digest_schedules,
    digest_subscriptions,
    scheduled_posts,
)

WEEKLY = "weekly"


def _scope(table, workspace: Workspace):
    return and_(
        table.c.team_id == workspace.team_id, table.c.enterprise_id == workspace.enterprise_id
    )


def _now() -> datetime:
    return datetime.now(UTC)


# -- subscriptions and send times --------------------------------------------------------------


@dataclass(frozen=True)
class Subscription:
    workspace: Workspace
    channel_id: str
    created_at: datetime


def subscribe(engine: Engine, workspace: Workspace, channel_id: str, now: datetime) -> bool:
    """Subscribe a channel to the weekly digest; False if it already was."""
    insert = upsert(engine)(digest_subscriptions).values(
        team_id=workspace.team_id,
        enterprise_id=workspace.enterprise_id,
        channel_id=channel_id,
        cadence=WEEKLY,
        created_at=now,
    )
    insert = insert.on_conflict_do_nothing().returning(digest_subscriptions.c.cadence)
    with engine.begin() as connection:
        return connection.execute(insert).first() is not None


def unsubscribe(engine: Engine, workspace: Workspace, channel_id: str) -> bool:
    """Stop a channel's digests (and alerts); False if it was not subscribed."""
    with engine.begin() as connection:
        gone = connection.execute(
            delete(digest_subscriptions).where(
                _scope(digest_subscriptions, workspace),
                digest_subscriptions.c.channel_id == channel_id,
            )
        ).rowcount
        connection.execute(
            delete(alert_states).where(
                _scope(alert_states, workspace), alert_states.c.channel_id == channel_id
            )
        )
    return bool(gone)


def subscriptions(engine: Engine) -> list[Subscription]:
    """Every subscribed channel of every workspace, in a stable order."""
    query = select(
        digest_subscriptions.c.team_id,
        digest_subscriptions.c.enterprise_id,
        digest_subscriptions.c.channel_id,
        digest_subscriptions.c.created_at,
    ).order_by(
        digest_subscriptions.c.team_id,
        digest_subscriptions.c.enterprise_id,
        digest_subscriptions.c.channel_id,
    )
    with engine.connect() as connection:
        return [
            Subscription(Workspace(team, ent), channel, _aware(created))
            for team, ent, channel, created in connection.execute(query)
        ]


def is_subscribed(engine: Engine, workspace: Workspace, channel_id: str) -> bool:
    query = select(digest_subscriptions.c.channel_id).where(
        _scope(digest_subscriptions, workspace), digest_subscriptions.c.channel_id == channel_id
    )
    with engine.connect() as connection:
        return connection.execute(query).first() is not None


def set_send_at(engine: Engine, workspace: Workspace, send_at: SendAt) -> None:
    """The workspace's weekly send time (``/sentiment digest time DAY HH:MM``)."""
    insert = upsert(engine)(digest_schedules).values(
        team_id=workspace.team_id,
        enterprise_id=workspace.enterprise_id,
        weekday=send_at.weekday,
        minute_of_day=send_at.minute_of_day,
    )
    insert = insert.on_conflict_do_update(
        index_elements=["team_id", "enterprise_id"],
        set_={"weekday": insert.excluded.weekday, "minute_of_day": insert.excluded.minute_of_day},
    )
    with engine.begin() as connection:
        connection.execute(insert)


def send_at_for(engine: Engine, workspace: Workspace, default: SendAt) -> SendAt:
    query = select(digest_schedules.c.weekday, digest_schedules.c.minute_of_day).where(
        _scope(digest_schedules, workspace)
    )
    with engine.connect() as connection:
        row = connection.execute(query).first()
    return SendAt(row[0], row[1]) if row else default


# -- claims ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PostKey:
    """One post the runner sends: a digest (period = its send date) or an alert (its day)."""

    kind: str
    workspace: Workspace
    channel_id: str
    period: str

    @property
    def label(self) -> str:
        """The key as written into the message's metadata, to find it again after a crash."""
        return f"{self.kind}:{self.workspace.team_id}:{self.channel_id}:{self.period}"

    def where(self):
        return and_(
            _scope(scheduled_posts, self.workspace),
            scheduled_posts.c.kind == self.kind,
            scheduled_posts.c.channel_id == self.channel_id,
            scheduled_posts.c.period == self.period,
        )


@dataclass(frozen=True)
class Claim:
    key: PostKey
    takeover: bool  # a dead runner's claim: it may have posted already


def claim(
    engine: Engine, key: PostKey, runner: str, lease: timedelta, now: datetime | None = None
) -> Claim | None:
    """Claim a post for this runner, or None when another runner has it or it was sent."""
    now = now or _now()
    insert = (
        upsert(engine)(scheduled_posts)
        .values(
            team_id=key.workspace.team_id,
            enterprise_id=key.workspace.enterprise_id,
            kind=key.kind,
            channel_id=key.channel_id,
            period=key.period,
            state="claimed",
            claimed_by=runner,
            claim_expires=now + lease,
            attempts=1,
        )
        .on_conflict_do_nothing()
        .returning(scheduled_posts.c.state)  # rowcount is not reliable for this on every driver
    )
    with engine.begin() as connection:
        if connection.execute(insert).first() is not None:
            return Claim(key, takeover=False)
    takeover = (
        update(scheduled_posts)
        .where(
            key.where(),
            scheduled_posts.c.state == "claimed",
            scheduled_posts.c.claim_expires < now,
        )
        .values(
            claimed_by=runner,
            claim_expires=now + lease,
            attempts=scheduled_posts.c.attempts + 1,
        )
    )
    with engine.begin() as connection:
        if connection.execute(takeover).rowcount == 1:
            return Claim(key, takeover=True)
    return None


def mark_sent(
    engine: Engine, key: PostKey, runner: str, message_ts: str | None, now: datetime | None = None
) -> bool:
    """Record the post as sent (only the runner holding the claim can)."""
    with engine.begin() as connection:
        done = connection.execute(
            update(scheduled_posts)
            .where(key.where(), scheduled_posts.c.claimed_by == runner)
            .values(state="sent", message_ts=message_ts, sent_at=now or _now())
        ).rowcount
    return bool(done)


def mark_failed(engine: Engine, key: PostKey, runner: str, reason: str) -> None:
    """Slack refused the post for good (channel archived, bot removed): do not retry it, and
    keep ``reason`` (Slack's error code) so a later run can say why."""
    with engine.begin() as connection:
        connection.execute(
            update(scheduled_posts)
            .where(key.where(), scheduled_posts.c.claimed_by == runner)
            .values(state="failed", failure=reason[:64])
        )


@dataclass(frozen=True)
class PostState:
    """Where a post stands: ``claimed`` (a runner holds it), ``sent`` or ``failed`` (why)."""

    state: str
    reason: str | None = None


def post_state(engine: Engine, key: PostKey) -> PostState | None:
    """The post's row, or None when no runner has claimed it yet."""
    query = select(scheduled_posts.c.state, scheduled_posts.c.failure).where(key.where())
    with engine.connect() as connection:
        row = connection.execute(query).first()
    if row is None:
        return None
    return PostState(row[0], row[1] if row[0] == "failed" else None)


# -- alert states ------------------------------------------------------------------------------


def alert_state(engine: Engine, workspace: Workspace, channel_id: str) -> tuple[bool, date | None]:
    """(in an episode, the day this channel was last checked)."""
    query = select(alert_states.c.in_episode, alert_states.c.checked_day).where(
        _scope(alert_states, workspace), alert_states.c.channel_id == channel_id
    )
    with engine.connect() as connection:
        row = connection.execute(query).first()
    return (bool(row[0]), row[1]) if row else (False, None)


def save_alert_state(
    engine: Engine, workspace: Workspace, channel_id: str, in_episode: bool, checked_day: date
) -> None:
    insert = upsert(engine)(alert_states).values(
        team_id=workspace.team_id,
        enterprise_id=workspace.enterprise_id,
        channel_id=channel_id,
        in_episode=in_episode,
        checked_day=checked_day,
        episode_started=checked_day if in_episode else None,
    )
    insert = insert.on_conflict_do_update(
        index_elements=["team_id", "enterprise_id", "channel_id"],
        set_={
            "in_episode": insert.excluded.in_episode,
            "checked_day": insert.excluded.checked_day,
        },
    )
    with engine.begin() as connection:
        connection.execute(insert)


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
