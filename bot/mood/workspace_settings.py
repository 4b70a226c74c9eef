"""A workspace's own minimum group size (``/sentiment mood min-people N``), read and saved.

The operator's ``MOOD_MIN_AUTHORS`` is a floor: a workspace may only raise it, so the value in
effect is the larger of the two (``MoodService.min_authors``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, and_, select

from bot.mood.workspace import Workspace
from bot.storage.engine import upsert
from bot.storage.workspace_schema import workspace_settings


def stored_min_authors(engine: Engine, workspace: Workspace) -> int | None:
    """The minimum group size this workspace set, or None when it never set one."""
    query = select(workspace_settings.c.min_authors).where(
        and_(
            workspace_settings.c.team_id == workspace.team_id,
            workspace_settings.c.enterprise_id == workspace.enterprise_id,
        )
    )
    with engine.connect() as connection:
        return connection.execute(query).scalar()


def save_min_authors(engine: Engine, workspace: Workspace, value: int, now: datetime) -> None:
    """Save the workspace's minimum group size (the caller checked it is not below the floor)."""
    insert = upsert(engine)(workspace_settings).values(
        team_id=workspace.team_id,
        enterprise_id=workspace.enterprise_id,
        min_authors=value,
        changed_at=now,
    )
    insert = insert.on_conflict_do_update(
        index_elements=["team_id", "enterprise_id"],
        set_={"min_authors": insert.excluded.min_authors, "changed_at": now},
    )
    with engine.begin() as connection:
        connection.execute(insert)


def raised_min_authors(engine: Engine) -> dict[Workspace, int]:
    """Every workspace that raised its minimum group size, with its value (closing days folds
    and drops by it too, so a raised minimum holds at rest, not only on screen)."""
    query = select(
        workspace_settings.c.team_id,
        workspace_settings.c.enterprise_id,
        workspace_settings.c.min_authors,
    )
    with engine.connect() as connection:
        return {
            Workspace(team, enterprise): int(value)
            for team, enterprise, value in connection.execute(query)
        }
