"""The database tables as SQLAlchemy Core tables (``migrations/versions`` creates them).

Every row carries ``team_id`` and ``enterprise_id`` (``""`` when Slack sends none), so one
database can hold several workspaces. No table has a column for message text, a user id or a
per-person number: see ``bot/mood/README.md`` for what each table holds and why.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
)

metadata = MetaData()

ID = 32  # Slack ids (T..., E..., C...) are short; bounded so a bad value cannot grow a row


def scope_columns(*extra: Column) -> list[Column]:
    """The workspace key every table starts with (enterprise_id is empty outside Grid)."""
    return [
        Column("team_id", String(ID), primary_key=True),
        Column("enterprise_id", String(ID), primary_key=True, server_default=""),
        *extra,
    ]


def share_sum_columns() -> list[Column]:
    """The seven numbers ``bot.mood.estimate.ShareSums`` keeps, minus ``messages``: per class
    the sum of its probability and of its square over the counted messages."""
    return [
        Column(f"{prefix}_{c}", Float, nullable=False, server_default="0")
        for prefix in ("p", "p2")
        for c in ("positive", "negative", "neutral")
    ]


# One row per workspace, channel and day (in MOOD_TIMEZONE): the counts, never who.
mood_days = Table(
    "mood_days",
    metadata,
    *scope_columns(
        Column("channel_id", String(ID), primary_key=True),
        Column("day", Date, primary_key=True),
        Column("messages", Integer, nullable=False, server_default="0"),
        Column("positive", Integer, nullable=False, server_default="0"),
        Column("negative", Integer, nullable=False, server_default="0"),
        *share_sum_columns(),
        Column("authors", Integer, nullable=False, server_default="0"),
    ),
    Index("ix_mood_days_day", "day"),
)

# Days that closed with fewer than MOOD_MIN_AUTHORS people, folded into their calendar week
# (``week`` = its Monday). ``people`` is the week's distinct people, set when the week closes;
# a closed week below the minimum is deleted. ``days_mask``: bit d = the week's day d (Monday 0)
# was folded in, so a chart can tell a hidden day from an empty one.
mood_weeks = Table(
    "mood_weeks",
    metadata,
    *scope_columns(
        Column("channel_id", String(ID), primary_key=True),
        Column("week", Date, primary_key=True),
        Column("messages", Integer, nullable=False, server_default="0"),
        Column("positive", Integer, nullable=False, server_default="0"),
        Column("negative", Integer, nullable=False, server_default="0"),
        *share_sum_columns(),
        Column("people", Integer, nullable=False, server_default="0"),
        Column("days_mask", Integer, nullable=False, server_default="0"),
    ),
)

# While a day is open: one keyed hash per distinct author and channel, to count authors once.
# Deleted when the day closes, leaving mood_days.authors; a day folded into its week keeps them
# until the week closes (the week's people are counted from them).
mood_day_authors = Table(
    "mood_day_authors",
    metadata,
    *scope_columns(
        Column("channel_id", String(ID), primary_key=True),
        Column("day", Date, primary_key=True),
        Column("author_hash", LargeBinary(32), primary_key=True),
    ),
)

# The random key author hashes are made with, one per workspace and week (``day`` = the week's
# Monday, so hashes of one person match across the week's days). Deleted when the week closes.
mood_day_keys = Table(
    "mood_day_keys",
    metadata,
    *scope_columns(
        Column("day", Date, primary_key=True),
        Column("hash_key", LargeBinary(32), nullable=False),
    ),
)

# The opt-out list: keyed hashes of user ids, one random key per workspace.
mood_optout_keys = Table(
    "mood_optout_keys",
    metadata,
    *scope_columns(Column("hash_key", LargeBinary(32), nullable=False)),
)
mood_optouts = Table(
    "mood_optouts",
    metadata,
    *scope_columns(Column("user_hash", LargeBinary(32), primary_key=True)),
)

# Channels where someone turned counting off (or back on) with /sentiment mood off|on.
mood_channels = Table(
    "mood_channels",
    metadata,
    *scope_columns(
        Column("channel_id", String(ID), primary_key=True),
        Column("tracking", Boolean, nullable=False),
        Column("changed_at", DateTime(timezone=True), nullable=False),
    ),
)

# Feedback on verdicts (bot/feedback): how many rated verdicts people agreed or disagreed
# with, per workspace, verdict and confidence bucket. Nothing about the reply or the person.
feedback_counts = Table(
    "feedback_counts",
    metadata,
    *scope_columns(
        Column("verdict", String(16), primary_key=True),
        Column("bucket", Integer, primary_key=True),  # lower bound in percent: 0, 10, ..., 90
        Column("agreed", Integer, nullable=False, server_default="0"),
        Column("disagreed", Integer, nullable=False, server_default="0"),
    ),
)
