"""Per-workspace settings: the minimum group size a workspace admin raised (workspace_schema.py).

Revision ID: 0005_workspace_settings
Revises: 0004_share_sums
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_workspace_settings"
down_revision = "0004_share_sums"
branch_labels = None
depends_on = None

ID = 32


def upgrade() -> None:
    op.create_table(
        "workspace_settings",
        sa.Column("team_id", sa.String(ID), nullable=False),
        sa.Column("enterprise_id", sa.String(ID), nullable=False, server_default=""),
        sa.Column("min_authors", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "enterprise_id"),
    )


def downgrade() -> None:
    op.drop_table("workspace_settings")
