"""Who may change what affects a whole workspace: admins, owners, or the operator's user group.

Workspace-wide changes (the digest send time, the minimum group size, backfill, turning
tracking back on) need a workspace admin or owner (``users.info``: ``is_admin``, ``is_owner``,
``is_primary_owner``) or a member of the user group named by ``MOOD_ADMIN_GROUP``
(``usergroups.users.list``). Answers are kept per process for ``CACHE_SECONDS``, so a person
changing several settings costs Slack one look-up; a failed look-up is never kept, and it
refuses (a change nobody could verify is not made).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from slack_sdk import WebClient

from bot.settings import Settings
from bot.slack import web_api as slack_api

CACHE_SECONDS = 300.0  # a demoted admin keeps the right this long in a running process
MAX_CACHED = 10_000


class AdminCheck:
    """``may_change`` with a small per-process cache (one per app)."""

    def __init__(self, settings: Settings, ttl: float = CACHE_SECONDS) -> None:
        self.group = settings.mood_admin_group
        self.ttl = ttl
        self._known: dict[tuple[str, str], tuple[float, bool]] = {}
        self._lock = threading.Lock()

    def may_change(
        self, client: WebClient, team_id: str, user_id: str, request_id: str | None
    ) -> bool | None:
        """Whether ``user_id`` may change workspace-wide settings; None when Slack would not say."""
        key, now = (team_id, user_id), time.monotonic()
        with self._lock:
            cached = self._known.get(key)
        if cached is not None and now - cached[0] < self.ttl:
            return cached[1]
        allowed = self._ask(client, user_id, request_id)
        if allowed is not None:
            with self._lock:
                if len(self._known) >= MAX_CACHED:
                    self._known.clear()
                self._known[key] = (now, allowed)
        return allowed

    def _ask(self, client: WebClient, user_id: str, request_id: str | None) -> bool | None:
        ok, response = slack_api.call(
            "users.info", lambda: client.users_info(user=user_id), event_id=request_id
        )
        if not ok:
            return None
        user: dict[str, Any] = response.get("user") or {}
        if any(user.get(flag) for flag in ("is_admin", "is_owner", "is_primary_owner")):
            return True
        if not self.group:
            return False
        ok, response = slack_api.call(
            "usergroups.users.list",
            lambda: client.usergroups_users_list(usergroup=self.group),
            event_id=request_id,
        )
        if not ok:
            return None
        return user_id in (response.get("users") or [])
