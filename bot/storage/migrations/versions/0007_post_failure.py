"""A failed digest or alert post keeps Slack's reason in its own column, ``failure``.

Until now the reason was written into ``message_ts`` (a failed post has no message), one column
doing two jobs. Existing failed rows move their reason over and their ``message_ts`` is cleared.

Revision ID: 0007_post_failure
Revises: 0006_installations
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_post_failure"
down_revision = "0006_installations"
branch_labels = None
depends_on = None

_posts = sa.table(
    "scheduled_posts",
    sa.column("state", sa.String),
    sa.column("message_ts", sa.String),
    sa.column("failure", sa.String),
)


def upgrade() -> None:
    with op.batch_alter_table("scheduled_posts") as batch:
        batch.add_column(sa.Column("failure", sa.String(64)))
    op.execute(
        _posts.update()
        .where(_posts.c.state == "failed")
        .values(failure=_posts.c.message_ts, message_ts=None)
    )


def downgrade() -> None:
    op.execute(
        _posts.update().where(_posts.c.state == "failed").values(message_ts=_posts.c.failure)
    )
    with op.batch_alter_table("scheduled_posts") as batch:
        batch.drop_column("failure")
