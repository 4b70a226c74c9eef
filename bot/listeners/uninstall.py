"""``app_uninstalled`` and ``tokens_revoked``: delete the workspace's data (multi-workspace mode).

Registered only when the bot runs with OAuth installs (``Deps.installer``). Both events need no
authorization (Bolt skips it for them) and call no Web API. The deletion runs after the ack on
the listener pool. Counts other processes still hold in memory for the workspace (or count from
a late event they still authorize from their cache, for up to ``AUTH_CACHE_SECONDS``,
``bot.install.auth_cache``) are left out by their next flush, which writes only workspaces that
still have an installation (``MoodRecorder.keep``). A flush that checked just before the
deletion committed could still write; so the deletion runs once more after
``MOOD_FLUSH_SECONDS`` and ``AUTH_CACHE_SECONDS``, plus 1 s.

``tokens_revoked`` deletes only when it revokes the bot token (``event.tokens.bot`` names the
installation's bot user); a revoked user token just clears that user's token.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

from slack_bolt import App

from bot.deps import Deps, handling
from bot.mood.workspace import Workspace

log = logging.getLogger("bot.install")


def _is_org_install(body: Mapping[str, Any]) -> bool:
    authorizations = body.get("authorizations") or [{}]
    first = authorizations[0] if isinstance(authorizations[0], Mapping) else {}
    return bool(body.get("is_enterprise_install") or first.get("is_enterprise_install"))


def register(app: App, deps: Deps) -> None:
    """Delete a workspace's rows when it uninstalls the app or revokes the bot token."""
    installer = deps.installer
    if installer is None:
        return
    # Here, not at the top: single-token mode never imports SQLAlchemy at startup.
    from bot.install.uninstall import delete_workspace, revoked_bot

    engine, store = installer.store.engine, installer.store
    mood = deps.mood

    def forget(workspace: Workspace, whole_org: bool) -> None:
        if mood is not None:
            mood.forget_workspace(workspace, whole_org)

    def sweep(workspace: Workspace, whole_org: bool) -> None:
        try:
            forget(workspace, whole_org)  # counted since the first sweep
            delete_workspace(engine, store, workspace, whole_org=whole_org)
        except Exception as err:  # noqa: BLE001 - logged; the first sweep's result stands
            log.error(
                "workspace_delete_failed team=%s error=%s",
                workspace.team_id or "none",
                type(err).__name__,
            )

    def delete(workspace: Workspace, whole_org: bool) -> None:
        # What this process still holds in memory goes first (a flush under way finishes),
        # so nothing of the workspace is written after its rows are deleted.
        forget(workspace, whole_org)
        delete_workspace(engine, store, workspace, whole_org=whole_org)
        if mood is not None:
            mood.refresh()  # its opt-outs and switched-off channels are gone from the caches
        settings = deps.settings
        again = threading.Timer(
            settings.mood_flush_seconds + settings.auth_cache_seconds + 1.0,
            sweep,
            args=(workspace, whole_org),
        )
        again.daemon = True
        again.start()

    @app.event("app_uninstalled")
    def on_app_uninstalled(body: dict) -> None:
        workspace = Workspace.of(body)
        with handling("uninstall", body.get("event_id")) as outcome:
            deps.after_ack(delete, workspace, _is_org_install(body))
            outcome.set("deleting", f"team={workspace.team_id or 'none'}")

    @app.event("tokens_revoked")
    def on_tokens_revoked(body: dict, event: dict) -> None:
        workspace = Workspace.of(body)
        tokens = event.get("tokens") or {}
        with handling("tokens_revoked", body.get("event_id")) as outcome:
            bot = installer.clients.find_bot(workspace)
            if bot is not None and revoked_bot(tokens, [bot.bot_user_id or ""]):
                deps.after_ack(delete, workspace, bool(bot.is_enterprise_install))
                outcome.set("deleting", f"team={workspace.team_id or 'none'}")
                return
            users = [u for u in tokens.get("oauth") or () if isinstance(u, str)]
            if users:
                store.forget_user_tokens(
                    enterprise_id=workspace.enterprise_id or None,
                    team_id=workspace.team_id or None,
                    user_ids=users,
                )
            outcome.set("kept_bot", f"user_tokens={len(users)}")
