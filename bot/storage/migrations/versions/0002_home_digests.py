"""Home tab, weekly digests, mood-drop alerts and backfill: their tables (home_schema.py).

Revision ID: 0002_home_digests
Revises: 0001_mood_record
Create Date: 2025-01-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_home_digests"
down_revision = "0001_mood_record"
branch_labels = None
depends_on = None

ID = 32
TABLES = (
    "backfill_authors",
    "backfill_days",
    "backfill_jobs",
    "chart_files",
    "alert_states",
    "scheduled_posts",
    "digest_schedules",
    "digest_subscriptions",
)


def _scope() -> list[sa.Column]:
    return [
        sa.Column("team_id", sa.String(ID), nullable=False),
        sa.Column("enterprise_id", sa.String(ID), nullable=False, server_default=""),
    ]


def _key(*columns: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint("team_id", "enterprise_id", *columns)


def upgrade() -> None:
    tz = sa.DateTime(timezone=True)
    op.create_table(
        "digest_subscriptions",
        *_scope(),
        sa.Column("channel_id", sa.String(ID), nullable=False),
        sa.Column("cadence", sa.String(16), nullable=False),
        sa.Column("created_at", tz, nullable=False),
        _key("channel_id"),
    )
    op.create_table(
        "digest_schedules",
        *_scope(),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("minute_of_day", sa.Integer(), nullable=False),
        _key(),
    )
    op.create_table(
        "scheduled_posts",
        *_scope(),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("channel_id", sa.String(ID), nullable=False),
        sa.Column("period", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("claimed_by", sa.String(64), nullable=False),
        sa.Column("claim_expires", tz, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("message_ts", sa.String(32)),
        sa.Column("sent_at", tz),
        _key("kind", "channel_id", "period"),
    )
    op.create_table(
        "alert_states",
        *_scope(),
        sa.Column("channel_id", sa.String(ID), nullable=False),
        sa.Column("in_episode", sa.Boolean(), nullable=False),
        sa.Column("checked_day", sa.Date(), nullable=False),
        sa.Column("episode_started", sa.Date()),
        _key("channel_id"),
    )
    op.create_table(
        "chart_files",
        *_scope(),
        sa.Column("channel_id", sa.String(ID), nullable=False),
        sa.Column("period_days", sa.Integer(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("file_id", sa.String(64), nullable=False),
        _key("channel_id", "period_days"),
    )
    op.create_table(
        "backfill_jobs",
        *_scope(),
        sa.Column("channel_id", sa.String(ID), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("oldest_ts", sa.Float(), nullable=False),
        sa.Column("bound_ts", sa.Float(), nullable=False),
        sa.Column("done_down_to", sa.Float()),
        sa.Column("messages_read", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("messages_counted", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("hash_key", sa.LargeBinary(32)),
        sa.Column("lease_owner", sa.String(64)),
        sa.Column("lease_expires", tz),
        sa.Column("progress_channel", sa.String(ID)),
        sa.Column("progress_ts", sa.String(32)),
        sa.Column("error", sa.String(64)),
        sa.Column("updated_at", tz, nullable=False),
        _key("channel_id"),
    )
    op.create_table(
        "backfill_days",
        *_scope(),
        sa.Column("channel_id", sa.String(ID), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("positive", sa.Integer(), nullable=False),
        sa.Column("negative", sa.Integer(), nullable=False),
        sa.Column("score_sum", sa.Float(), nullable=False),
        _key("channel_id", "day"),
    )
    op.create_table(
        "backfill_authors",
        *_scope(),
        sa.Column("channel_id", sa.String(ID), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("author_hash", sa.LargeBinary(32), nullable=False),
        _key("channel_id", "day", "author_hash"),
    )


def downgrade() -> None:
    for name in TABLES:
        op.drop_table(name)
