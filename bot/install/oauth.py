"""Bolt's OAuth install flow on the bot's database: routes, scopes, stores, authorize.

``Installer.open`` builds, once per process, everything multi-workspace mode shares: the
encrypted installation store and the OAuth state store on ``DATABASE_URL`` (tables from the
migrations), the locking token rotator, Bolt's ``OAuthSettings`` (``/slack/install`` and
``/slack/oauth_redirect``, bot scopes read from slack_manifest.json), the authorization each
event needs, kept briefly (``bot.install.auth_cache``), and the per-workspace clients the jobs
use. ``oauth.v2.access`` goes to ``SLACK_API_URL`` through the app's client.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.authorization.authorize_result import AuthorizeResult
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.install.auth_cache import AuthorizationCache, Key
from bot.install.crypto import TokenCipher
from bot.install.rotation import (
    REFRESH_MINUTES_BEFORE,
    LockingTokenRotator,
    WorkspaceClients,
    expiring,
)
from bot.install.store import EncryptedInstallationStore, state_store
from bot.listener_pool import off_cpu
from bot.settings import Settings

log = logging.getLogger("bot.install")

# The repository's manifest; an installed wheel has none, so the working directory's then.
MANIFEST = Path(__file__).resolve().parents[2] / "slack_manifest.json"
if not MANIFEST.exists():
    MANIFEST = Path("slack_manifest.json").resolve()
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
STATE_EXPIRATION_SECONDS = 600


def manifest_bot_scopes(path: Path = MANIFEST) -> list[str]:
    """The bot scopes the app manifest asks for: the one list both Slack and the install use."""
    manifest = json.loads(path.read_text(encoding="utf-8"))
    return list(manifest["oauth_config"]["scopes"]["bot"])


def _safe(value: object) -> str:
    text = value if isinstance(value, str) else ""
    return text if text.isalnum() and len(text) <= 32 else ("none" if not text else "invalid")


class LoggingAuthorize(InstallationStoreAuthorize):
    """Bolt's installation-store authorize, saying which workspace has no installation.

    Without an installation nothing is called with any token: Bolt stops the request there.
    """

    def __call__(  # type: ignore[override]
        self,
        *,
        context: Any,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        **actor: Any,
    ) -> AuthorizeResult | None:
        result = super().__call__(
            context=context,
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            **actor,
        )
        if result is None:
            log.warning(
                "no_installation team=%s enterprise=%s", _safe(team_id), _safe(enterprise_id)
            )
        return result


class CachedAuthorize(LoggingAuthorize):
    """``LoggingAuthorize`` answered from the process's ``AuthorizationCache`` when it may be.

    A fresh entry answers alone; an entry past its TTL is checked against the stored bot
    (same token and scopes, not due for refresh) and kept without calling Slack; anything
    else runs Bolt's path (database, refresh, ``auth.test``) and keeps what it returns.
    """

    def __init__(self, cache: AuthorizationCache, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cache = cache
        # One lookup at a time per workspace. Events are acked before their dispatch and one
        # workspace's dispatches run side by side, so a burst reaches an empty or expired entry
        # together: the first asks, the rest wait for its answer instead of each asking
        # auth.test. A workspace's entry here lives while a lookup is under way or waited for.
        self._lookups: dict[Key, tuple[threading.Lock, list[int]]] = {}
        self._lookups_lock = threading.Lock()

    def __call__(  # type: ignore[override]
        self,
        *,
        context: Any,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        **actor: Any,
    ) -> AuthorizeResult | None:
        cache = self.cache
        if not cache.enabled:
            return super().__call__(
                context=context,
                enterprise_id=enterprise_id,
                team_id=team_id,
                user_id=user_id,
                **actor,
            )
        org_wide = bool(context.is_enterprise_install)
        key: Key = (enterprise_id or "", team_id or "", org_wide)
        cached, fresh = cache.get(key)
        if cached is not None and fresh:
            return cached
        with self._one_lookup(key):
            generation = cache.generation()
            cached, fresh = cache.get(key)
            if cached is not None and (fresh or self._still_stored(cached, key)):
                if not fresh:
                    cache.keep(key, cached, generation)
                return cached
            result = super().__call__(
                context=context,
                enterprise_id=enterprise_id,
                team_id=team_id,
                user_id=user_id,
                **actor,
            )
            if result is not None:
                cache.keep(key, result, generation)
            return result

    @contextmanager
    def _one_lookup(self, key: Key) -> Iterator[None]:
        """Hold the workspace's lookup lock; a listener thread waiting for it gives its CPU
        slot back meanwhile (``bot.listener_pool.off_cpu``), as it would waiting on Slack."""
        with self._lookups_lock:
            lock, users = self._lookups.setdefault(key, (threading.Lock(), [0]))
            users[0] += 1
        try:
            if not lock.acquire(blocking=False):
                with off_cpu():
                    lock.acquire()
            try:
                yield
            finally:
                lock.release()
        finally:
            with self._lookups_lock:
                users[0] -= 1
                if not users[0]:
                    del self._lookups[key]

    def _still_stored(self, cached: AuthorizeResult, key: Key) -> bool:
        """Whether the stored bot is still the one ``cached`` was made from, not due a refresh."""
        enterprise_id, team_id, org_wide = key
        try:
            bot = self.installation_store.find_bot(
                enterprise_id=enterprise_id or None,
                team_id=team_id or None,
                is_enterprise_install=org_wide,
            )
        except Exception:  # noqa: BLE001 - Bolt's own path reads again and handles the failure
            return False
        return (
            bot is not None
            and bot.bot_token == cached.bot_token
            and list(bot.bot_scopes or []) == list(cached.bot_scopes or [])
            and not (
                bot.bot_refresh_token and expiring(bot, self.token_rotation_expiration_minutes)
            )
        )


@dataclass(frozen=True)
class Installer:
    """Multi-workspace mode's shared parts (see the module docstring)."""

    store: EncryptedInstallationStore
    rotator: LockingTokenRotator
    oauth_settings: OAuthSettings
    clients: WorkspaceClients

    @classmethod
    def open(cls, settings: Settings, engine: Engine, client: WebClient) -> Installer:
        """Build the stores, rotator and OAuth settings; ``client`` has no token."""
        cipher = TokenCipher(settings.slack_token_encryption_key)
        store = EncryptedInstallationStore(settings.slack_client_id, engine, cipher)
        rotator = LockingTokenRotator(
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret,
            client=client,
            store=store,
        )
        bolt_log = logging.getLogger("bot.bolt")
        oauth = OAuthSettings(
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret,
            scopes=manifest_bot_scopes(),
            user_scopes=[],
            redirect_uri=settings.slack_redirect_uri or None,
            install_path=INSTALL_PATH,
            redirect_uri_path=REDIRECT_PATH,
            installation_store=store,
            installation_store_bot_only=True,  # the app asks for no user token
            token_rotation_expiration_minutes=REFRESH_MINUTES_BEFORE,
            state_store=state_store(engine, STATE_EXPIRATION_SECONDS),
            state_expiration_seconds=STATE_EXPIRATION_SECONDS,
            logger=bolt_log,
        )
        cache = AuthorizationCache(settings.auth_cache_seconds, settings.auth_cache_size)
        store.watch(cache.forget)
        authorize = CachedAuthorize(
            cache,
            logger=bolt_log,
            installation_store=store,
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret,
            token_rotation_expiration_minutes=REFRESH_MINUTES_BEFORE,
            bot_only=True,
            client=client,
        )
        authorize.token_rotator = rotator
        oauth.authorize = authorize
        return cls(store, rotator, oauth, WorkspaceClients(store, rotator))
