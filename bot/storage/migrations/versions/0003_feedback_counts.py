"""Feedback on verdicts: per-workspace counts by verdict and confidence bucket (schema.py).

Revision ID: 0003_feedback_counts
Revises: 0002_home_digests
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_feedback_counts"
down_revision = "0002_home_digests"
branch_labels = None
depends_on = None

ID = 32


def upgrade() -> None:
    op.create_table(
        "feedback_counts",
        sa.Column("team_id", sa.String(ID), nullable=False),
        sa.Column("enterprise_id", sa.String(ID), nullable=False, server_default=""),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("agreed", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("disagreed", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("team_id", "enterprise_id", "verdict", "bucket"),
    )


def downgrade() -> None:
    op.drop_table("feedback_counts")
