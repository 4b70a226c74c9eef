"""Token rotation that refreshes each expiring bot token once, across threads and processes.

With rotation on, Slack's bot tokens expire after 12 hours and ``oauth.v2.access`` with
``grant_type=refresh_token`` hands out the next one. Bolt refreshes on the request path
(``InstallationStoreAuthorize``); the digest cron and a backfill run for hours and Slack never
calls them, so they refresh themselves (``WorkspaceClients``). Several gunicorn workers,
replicas and cron runs may find the same token expiring at once; each refresh rotates the
refresh token, so two refreshers racing would save two tokens, one of them orphaned. Here a
refresh runs under a lock per workspace (a PostgreSQL advisory lock, or an exclusive file lock
next to a SQLite file), re-reads the stored token inside it, and refreshes only if that one is
still expiring: the second process finds the first one's token and uses it.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from slack_sdk import WebClient
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy import Engine, text

from bot.install.store import EncryptedInstallationStore
from bot.mood.workspace import Workspace

log = logging.getLogger("bot.install")

# Refresh this long before expiry (Bolt's default): a token is never used in its last minutes.
REFRESH_MINUTES_BEFORE = 120

_held = threading.local()  # the lock keys this thread holds (the lock is re-entrant per thread)
_process_lock = threading.Lock()  # for an in-memory SQLite database (tests)


def _advisory_id(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)


@contextmanager
def refresh_lock(engine: Engine, key: str) -> Iterator[None]:
    """Hold the cross-process lock for refreshing ``key``'s token (re-entrant per thread)."""
    held: set[str] = getattr(_held, "keys", set())
    _held.keys = held
    if key in held:
        yield
        return
    held.add(key)
    try:
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                conn.execute(text("SELECT pg_advisory_lock(:id)"), {"id": _advisory_id(key)})
                try:
                    yield
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": _advisory_id(key)})
                    conn.commit()
            return
        database = engine.url.database or ""
        if database in {"", ":memory:"}:
            with _process_lock:
                yield
            return
        lock_path = Path(database).expanduser().with_suffix(".tokens.lock")
        with open(lock_path, "a+b") as handle:  # flock: also between threads of one process
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        held.discard(key)


def bot_key(bot: Bot) -> str:
    """Which installation a bot token belongs to (an org-wide install: its enterprise)."""
    if bot.is_enterprise_install:
        return f"E:{bot.enterprise_id}"
    return f"T:{bot.enterprise_id or ''}:{bot.team_id}"


class LockingTokenRotator(TokenRotator):
    """slack_sdk's ``TokenRotator``; a bot token is refreshed (and saved) once, under the lock.

    Bolt's authorize uses it in place of its own (``bot.install.oauth``), the jobs through
    ``WorkspaceClients``. It returns the stored token when another process refreshed first.
    """

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        client: WebClient,
        store: EncryptedInstallationStore,
    ) -> None:
        super().__init__(client_id=client_id, client_secret=client_secret, client=client)
        self.store = store

    def perform_bot_token_rotation(
        self, *, bot: Bot, minutes_before_expiration: int = REFRESH_MINUTES_BEFORE
    ) -> Bot | None:
        if not expiring(bot, minutes_before_expiration):
            return None
        with refresh_lock(self.store.engine, bot_key(bot)):
            stored = self.store.find_bot(
                enterprise_id=bot.enterprise_id,
                team_id=bot.team_id,
                is_enterprise_install=bot.is_enterprise_install,
            )
            if stored is not None and not expiring(stored, minutes_before_expiration):
                log.info("token_refreshed_elsewhere installation=%s", bot_key(bot))
                return stored if stored.bot_token != bot.bot_token else None
            refreshed = super().perform_bot_token_rotation(
                bot=stored or bot, minutes_before_expiration=minutes_before_expiration
            )
            if refreshed is not None:
                self.store.save_bot(refreshed)
                log.info("token_refreshed installation=%s", bot_key(bot))
            return refreshed


def expiring(bot: Bot, minutes: int) -> bool:
    """Whether ``bot``'s token expires within ``minutes`` (a token without expiry never does)."""
    expires = bot.bot_token_expires_at
    return expires is not None and expires <= time.time() + minutes * 60


class RotatingWebClient(WebClient):
    """A WebClient that asks for a fresh token before each call (hours-long jobs outlive one)."""

    def __init__(self, fresh_token: Callable[[], str], **kwargs: Any) -> None:
        super().__init__(token=fresh_token(), **kwargs)
        self._fresh_token = fresh_token

    def api_call(self, api_method: str, **kwargs: Any) -> Any:  # type: ignore[override]
        self.token = self._fresh_token()
        return super().api_call(api_method, **kwargs)


class WorkspaceClients:
    """Per-workspace WebClients from the installation store, for processes Slack never calls."""

    def __init__(self, store: EncryptedInstallationStore, rotator: LockingTokenRotator) -> None:
        self.store = store
        self.rotator = rotator

    def find_bot(self, workspace: Workspace) -> Bot | None:
        """The workspace's bot installation, or its org's org-wide one (Enterprise Grid)."""
        enterprise = workspace.enterprise_id or None
        bot = self.store.find_bot(enterprise_id=enterprise, team_id=workspace.team_id)
        if bot is None and enterprise:
            bot = self.store.find_bot(
                enterprise_id=enterprise, team_id=None, is_enterprise_install=True
            )
        return bot

    def client_for(self, workspace: Workspace, like: WebClient) -> WebClient | None:
        """A client with ``workspace``'s bot token, kept fresh; None (logged) if not installed
        or its expired token cannot be refreshed now.

        ``like`` gives the base URL, timeout, retry handlers and logger.
        """
        bot = self.find_bot(workspace)
        if bot is None or not bot.bot_token:
            log.warning(
                "no_installation team=%s enterprise=%s",
                workspace.team_id or "none",
                workspace.enterprise_id or "none",
            )
            return None
        current = [bot]
        lock = threading.Lock()

        def fresh_token() -> str:
            with lock:
                refreshed = self.rotator.perform_bot_token_rotation(bot=current[0])
                if refreshed is not None:
                    current[0] = refreshed
                return current[0].bot_token or ""

        try:
            return RotatingWebClient(
                fresh_token,
                base_url=like.base_url,
                timeout=like.timeout,
                retry_handlers=list(like.retry_handlers),
                logger=like.logger,
            )
        except Exception as err:  # noqa: BLE001 - Slack refused the refresh, or is down
            log.warning(
                "token_refresh_failed installation=%s error=%s", bot_key(bot), type(err).__name__
            )
            return None

    def bound(self, like: WebClient) -> Callable[[Workspace], WebClient | None]:
        """``client_for`` with ``like`` fixed, for whoever asks one workspace at a time."""
        return lambda workspace: self.client_for(workspace, like)
