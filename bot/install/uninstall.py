"""Deleting everything a workspace left behind, when it uninstalls the app.

Which tables: every table in the database with a ``team_id`` column (``bot.storage.schema``
gives each a ``team_id`` and ``enterprise_id`` through ``scope_columns``), found by inspecting
the database as it is, so a table a later migration adds is covered without a change here.
The installation store's own tables (``slack_installations``, ``slack_bots``) go through the
store's ``delete_installation`` / ``delete_bot``; their ids are NULL where Slack sends none,
ours are ``""``. An org-wide (Enterprise Grid) uninstall deletes every workspace of the org.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Engine, MetaData, Table, inspect

from bot.install.store import STORE_TABLES, EncryptedInstallationStore
from bot.mood.workspace import Workspace

log = logging.getLogger("bot.install")

SCOPE_COLUMN = "team_id"


def workspace_tables(engine: Engine) -> list[str]:
    """Every table of the database that holds rows per workspace (has a ``team_id``)."""
    inspector = inspect(engine)
    return sorted(
        name
        for name in inspector.get_table_names()
        if any(column["name"] == SCOPE_COLUMN for column in inspector.get_columns(name))
    )


def delete_workspace(
    engine: Engine,
    store: EncryptedInstallationStore,
    workspace: Workspace,
    *,
    whole_org: bool = False,
) -> dict[str, int]:
    """Delete every row of ``workspace`` (``whole_org``: of its enterprise); rows per table."""
    enterprise = workspace.enterprise_id or None
    if whole_org:
        store.delete_installation(enterprise_id=enterprise, team_id=None)
        store.delete_bot(enterprise_id=enterprise, team_id=None)
    store.delete_installation(enterprise_id=enterprise, team_id=workspace.team_id or None)
    store.delete_bot(enterprise_id=enterprise, team_id=workspace.team_id or None)
    names = [name for name in workspace_tables(engine) if name not in STORE_TABLES]
    metadata = MetaData()
    deleted: dict[str, int] = {}
    with engine.begin() as conn:
        for name in names:
            table = Table(name, metadata, autoload_with=conn)
            if whole_org and workspace.enterprise_id:
                where = table.c.enterprise_id == workspace.enterprise_id
            elif "enterprise_id" in table.c:
                where = (table.c.team_id == workspace.team_id) & (
                    table.c.enterprise_id == workspace.enterprise_id
                )
            else:
                where = table.c.team_id == workspace.team_id
            deleted[name] = conn.execute(table.delete().where(where)).rowcount or 0
    log.info(
        "workspace_deleted team=%s enterprise=%s whole_org=%s tables=%d rows=%d",
        workspace.team_id or "none",
        workspace.enterprise_id or "none",
        whole_org,
        len(names) + len(STORE_TABLES),
        sum(deleted.values()),
    )
    return deleted


def revoked_bot(tokens: Mapping[str, Any], bot_user_ids: Iterable[str]) -> bool:
    """Whether a ``tokens_revoked`` event's ``tokens`` name the bot's own user id.

    A revoked user token (``tokens.oauth``) leaves the bot installed and its token live.
    """
    named = tokens.get("bot") if isinstance(tokens, Mapping) else None
    return bool(set(named or ()) & {user for user in bot_user_ids if user})
