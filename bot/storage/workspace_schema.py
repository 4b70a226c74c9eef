"""Per-workspace settings a workspace admin changes with a slash command (migration 0003).

Same rules as ``schema``: keyed by ``team_id`` and ``enterprise_id``; no user id, no text. Only
what the operator lets a workspace raise lives here (``/sentiment mood min-people N``), so a
row can never lower a floor the operator set in the environment.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, Table

from bot.storage.schema import metadata, scope_columns

# /sentiment mood min-people N: this workspace's minimum group size (never below
# MOOD_MIN_AUTHORS, which is applied on top when read).
workspace_settings = Table(
    "workspace_settings",
    metadata,
    *scope_columns(),
    Column("min_authors", Integer, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)
