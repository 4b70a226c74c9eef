"""The mood record: per-day channel counts, open days' author hashes and keys, opt-outs, channels.

Revision ID: 0001_mood_record
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_mood_record"
down_revision = None
branch_labels = None
depends_on = None

ID = 32


def _scope() -> list[sa.Column]:
    return [
        sa.Column("team_id", sa.String(ID), nullable=False),
        sa.Column("enterprise_id", sa.String(ID), nullable=False, server_default=""),
    ]


def upgrade() -> None:
    op.create_table(
        "mood_days",
        *_scope(),
        sa.Column("channel_id", sa.String(ID), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("positive", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("negative", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("score_sum", sa.Float(), nullable=False, server_default="0"),
        sa.Column("authors", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("team_id", "enterprise_id", "channel_id", "day"),
    )
    op.create_index("ix_mood_days_day", "mood_days", ["day"])
    op.create_table(
        "mood_day_authors",
        *_scope(),
        sa.Column("channel_id", sa.String(ID), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("author_hash", sa.LargeBinary(32), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "enterprise_id", "channel_id", "day", "author_hash"),
    )
    op.create_table(
        "mood_day_keys",
        *_scope(),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("hash_key", sa.LargeBinary(32), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "enterprise_id", "day"),
    )
    op.create_table(
        "mood_optout_keys",
        *_scope(),
        sa.Column("hash_key", sa.LargeBinary(32), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "enterprise_id"),
    )
    op.create_table(
        "mood_optouts",
        *_scope(),
        sa.Column("user_hash", sa.LargeBinary(32), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "enterprise_id", "user_hash"),
    )
    op.create_table(
        "mood_channels",
        *_scope(),
        sa.Column("channel_id", sa.String(ID), nullable=False),
        sa.Column("tracking", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "enterprise_id", "channel_id"),
    )


def downgrade() -> None:
    for table in (
        "mood_channels",
        "mood_optouts",
        "mood_optout_keys",
        "mood_day_keys",
        "mood_day_authors",
    ):
        op.drop_table(table)
    op.drop_index("ix_mood_days_day", table_name="mood_days")
    op.drop_table("mood_days")
