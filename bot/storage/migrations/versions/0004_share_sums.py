"""Estimated shares and small groups folded into weeks: share sums per day, ``mood_weeks``.

Revision ID: 0004_share_sums
Revises: 0002_home_digests
Create Date: 2026-12-05

- ``mood_days`` and ``backfill_days`` gain the day's share sums (``p_*``: sum of each class's
  probability over counted messages, ``p2_*``: sum of its square; ``bot.mood.estimate``) and
  lose ``score_sum`` (the binary P(positive) sum nothing reads any more). Rows written before
  this revision get sums from their ``score_sum`` as the binary model's probabilities (neutral
  0, every message at the day's mean), the closest thing to what was measured.
- ``mood_weeks``: days that closed with fewer people than ``MOOD_MIN_AUTHORS``, folded into
  their calendar week; kept only if the week's distinct people reach the minimum.
- ``chart_files`` is dropped: the Home tab and digests show Slack's data visualization blocks
  instead of the bot's own (private) uploaded chart files.
- ``mood_day_keys`` rows are now keyed by the week's Monday (one key per workspace and week),
  so a person's hashes on two days of a week match and the week's people can be counted.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_share_sums"
down_revision = "0003_feedback_counts"
branch_labels = None
depends_on = None

ID = 32
CLASSES = ("positive", "negative", "neutral")
SUM_COLUMNS = tuple(f"p_{c}" for c in CLASSES) + tuple(f"p2_{c}" for c in CLASSES)


def _sum_columns() -> list[sa.Column]:
    return [sa.Column(name, sa.Float(), nullable=False, server_default="0") for name in SUM_COLUMNS]


def upgrade() -> None:
    for table in ("mood_days", "backfill_days"):
        with op.batch_alter_table(table) as batch:
            for column in _sum_columns():
                batch.add_column(column)
        op.execute(
            f"UPDATE {table} SET p_positive = score_sum, p_negative = messages - score_sum, "
            "p2_positive = CASE WHEN messages > 0 "
            "THEN score_sum * score_sum / messages ELSE 0 END, "
            "p2_negative = CASE WHEN messages > 0 THEN (messages - score_sum) * "
            "(messages - score_sum) / messages ELSE 0 END"
        )
        with op.batch_alter_table(table) as batch:
            batch.drop_column("score_sum")
    op.create_table(
        "mood_weeks",
        sa.Column("team_id", sa.String(ID), nullable=False),
        sa.Column("enterprise_id", sa.String(ID), nullable=False, server_default=""),
        sa.Column("channel_id", sa.String(ID), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("positive", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("negative", sa.Integer(), nullable=False, server_default="0"),
        *_sum_columns(),
        sa.Column("people", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("days_mask", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("team_id", "enterprise_id", "channel_id", "week"),
    )
    op.drop_table("chart_files")


def downgrade() -> None:
    op.create_table(
        "chart_files",
        sa.Column("team_id", sa.String(ID), nullable=False),
        sa.Column("enterprise_id", sa.String(ID), nullable=False, server_default=""),
        sa.Column("channel_id", sa.String(ID), nullable=False),
        sa.Column("period_days", sa.Integer(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("file_id", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "enterprise_id", "channel_id", "period_days"),
    )
    op.drop_table("mood_weeks")
    for table in ("mood_days", "backfill_days"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("score_sum", sa.Float(), nullable=False, server_default="0"))
        op.execute(f"UPDATE {table} SET score_sum = p_positive")
        with op.batch_alter_table(table) as batch:
            for name in SUM_COLUMNS:
                batch.drop_column(name)
