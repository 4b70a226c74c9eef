"""Tables for the Home tab, weekly digests, mood-drop alerts and backfill (migration 0002).

Same rules as ``schema``: every row carries ``team_id`` and ``enterprise_id``; no column holds
message text, a user id or a per-person number. Backfill's author hashes live only while the
day they belong to is being read, under a random key that is deleted with them.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    String,
    Table,
)

from bot.storage.schema import ID, metadata, scope_columns, share_sum_columns

# /sentiment digest weekly|off: channels that get the weekly digest (and mood-drop alerts).
digest_subscriptions = Table(
    "digest_subscriptions",
    metadata,
    *scope_columns(),
    Column("channel_id", String(ID), primary_key=True),
    Column("cadence", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# /sentiment digest time DAY HH:MM: when a workspace's digests go out (MOOD_TIMEZONE).
digest_schedules = Table(
    "digest_schedules",
    metadata,
    *scope_columns(),
    Column("weekday", Integer, nullable=False),  # 0 = Monday
    Column("minute_of_day", Integer, nullable=False),
)

# Each digest or alert the runner sends: claimed before posting, marked sent after. The key
# makes a second claim of the same post impossible; a claim whose runner died expires.
scheduled_posts = Table(
    "scheduled_posts",
    metadata,
    *scope_columns(),
    Column("kind", String(16), primary_key=True),  # "digest" or "alert"
    Column("channel_id", String(ID), primary_key=True),
    Column("period", String(32), primary_key=True),  # e.g. "2026-11-23" (the digest's week)
    Column("state", String(16), nullable=False),  # "claimed", "sent", "failed"
    Column("claimed_by", String(64), nullable=False),
    Column("claim_expires", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="1"),
    Column("message_ts", String(32)),  # the posted message, once sent
    Column("sent_at", DateTime(timezone=True)),
    Column("failure", String(64)),  # Slack's error code, when it refused the post for good
)

# Whether a subscribed channel is inside a mood-drop episode (bot.digests.mood_drop).
alert_states = Table(
    "alert_states",
    metadata,
    *scope_columns(),
    Column("channel_id", String(ID), primary_key=True),
    Column("in_episode", Boolean, nullable=False),
    Column("checked_day", Date, nullable=False),
    Column("episode_started", Date),
)

# One backfill per channel: its window, how far down it has read (the high-water mark), counts.
backfill_jobs = Table(
    "backfill_jobs",
    metadata,
    *scope_columns(),
    Column("channel_id", String(ID), primary_key=True),
    Column("state", String(16), nullable=False),  # "running", "done", "failed"
    Column("oldest_ts", Float, nullable=False),  # window start (exclusive)
    Column("bound_ts", Float, nullable=False),  # window end: the first day live counting has
    Column("done_down_to", Float),  # every message with ts >= this was read
    Column("messages_read", Integer, nullable=False, server_default="0"),
    Column("messages_counted", Integer, nullable=False, server_default="0"),
    Column("hash_key", LargeBinary(32)),  # random, deleted when the job ends
    Column("lease_owner", String(64)),
    Column("lease_expires", DateTime(timezone=True)),
    Column("progress_channel", String(ID)),
    Column("progress_ts", String(32)),
    Column("error", String(64)),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# Days a running backfill is still reading (pages come newest first): counts, and the day's
# distinct authors as keyed hashes. Moved into mood_days, hashes deleted, once the day is done.
backfill_days = Table(
    "backfill_days",
    metadata,
    *scope_columns(),
    Column("channel_id", String(ID), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("messages", Integer, nullable=False),
    Column("positive", Integer, nullable=False),
    Column("negative", Integer, nullable=False),
    *share_sum_columns(),
)
backfill_authors = Table(
    "backfill_authors",
    metadata,
    *scope_columns(),
    Column("channel_id", String(ID), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("author_hash", LargeBinary(32), primary_key=True),
)
