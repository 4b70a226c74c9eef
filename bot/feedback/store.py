"""The feedback counts: one additive upsert per press, one grouped read for the Home tab.

Like ``bot.storage.day_counts``: an insert that adds to the row when it exists, so concurrent
presses (threads, gunicorn workers, replicas on PostgreSQL) never lose a count.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, func, select

from bot.feedback.buttons import BUCKET_WIDTH, Rating
from bot.feedback.calibration import FeedbackTotals
from bot.mood.workspace import Workspace
from bot.storage.engine import upsert
from bot.storage.schema import feedback_counts

KEY = ("team_id", "enterprise_id", "verdict", "bucket")


@dataclass(frozen=True)
class BucketCount:
    """One stored row: a verdict and confidence bucket, and how people rated it."""

    verdict: str
    bucket: int
    agreed: int
    disagreed: int


def record(engine: Engine, workspace: Workspace, rating: Rating) -> None:
    """Add one rating to the workspace's counts."""
    table = feedback_counts
    insert = upsert(engine)(table).values(
        team_id=workspace.team_id,
        enterprise_id=workspace.enterprise_id,
        verdict=rating.verdict,
        bucket=rating.bucket,
        agreed=int(rating.agreed),
        disagreed=int(not rating.agreed),
    )
    statement = insert.on_conflict_do_update(
        index_elements=list(KEY),
        set_={name: table.c[name] + insert.excluded[name] for name in ("agreed", "disagreed")},
    )
    with engine.begin() as connection:
        connection.execute(statement)


def counts(engine: Engine, workspace: Workspace) -> list[BucketCount]:
    """The workspace's rows, by verdict and bucket."""
    table = feedback_counts
    query = (
        select(table.c.verdict, table.c.bucket, table.c.agreed, table.c.disagreed)
        .where(table.c.team_id == workspace.team_id)
        .where(table.c.enterprise_id == workspace.enterprise_id)
        .order_by(table.c.verdict, table.c.bucket)
    )
    with engine.connect() as connection:
        return [BucketCount(*row) for row in connection.execute(query)]


def totals(engine: Engine, workspace: Workspace) -> FeedbackTotals:
    """The workspace's ratings summed, with the stated confidence of each at its bucket middle."""
    table = feedback_counts
    rated = table.c.agreed + table.c.disagreed
    query = (
        select(
            func.coalesce(func.sum(rated), 0),
            func.coalesce(func.sum(table.c.agreed), 0),
            func.coalesce(func.sum(rated * (table.c.bucket + BUCKET_WIDTH / 2)), 0),
        )
        .where(table.c.team_id == workspace.team_id)
        .where(table.c.enterprise_id == workspace.enterprise_id)
    )
    with engine.connect() as connection:
        total, agreed, stated = connection.execute(query).one()
    return FeedbackTotals(int(total), int(agreed), float(stated) / 100)
