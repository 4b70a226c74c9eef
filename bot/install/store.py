"""slack_sdk's SQLAlchemy installation store with every token encrypted at rest.

Subclassing keeps slack_sdk's tables, queries and Bolt's use of them as they are; only the
values change on the way in and out. Encrypted before a row is written: bot token, user token,
both refresh tokens and the incoming webhook URL (anyone holding it can post). Decrypted when a
row becomes an ``Installation`` or ``Bot`` again. Ids, names and scopes stay readable (they are
not secrets, and lookups need them).

Every write or delete of a workspace's rows through the store (an install, a token refresh, an
uninstall, a revocation) is told to its watchers once committed (``watch``): the process's
authorization cache (``bot.install.auth_cache``) drops that workspace there and then.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Connection, Engine, and_, or_, select, true, update

from bot.install.crypto import TokenCipher
from bot.mood.workspace import Workspace

log = logging.getLogger("bot.install")

BOT_SECRETS = ("bot_token", "bot_refresh_token")
INSTALLATION_SECRETS = (*BOT_SECRETS, "user_token", "user_refresh_token", "incoming_webhook_url")
# Rows of these tables belong to an installation; uninstall clears them through the store.
STORE_TABLES = (
    SQLAlchemyInstallationStore.default_installations_table_name,
    SQLAlchemyInstallationStore.default_bots_table_name,
)
STATE_TABLE = SQLAlchemyOAuthStateStore.default_table_name
# Told (enterprise_id, team_id) after a workspace's installation rows changed.
Watcher = Callable[[str | None, str | None], None]


class EncryptedInstallationStore(SQLAlchemyInstallationStore):
    """The SQLAlchemy installation store; tokens are Fernet ciphertext in the database."""

    def __init__(self, client_id: str, engine: Engine, cipher: TokenCipher) -> None:
        super().__init__(client_id, engine, logger=logging.getLogger("bot.install.store"))
        self.cipher = cipher
        self._watchers: list[Watcher] = []

    def watch(self, changed: Watcher) -> None:
        """Call ``changed(enterprise_id, team_id)`` after each committed change of a workspace."""
        self._watchers.append(changed)

    def _changed(self, enterprise_id: str | None, team_id: str | None) -> None:
        for changed in self._watchers:
            changed(enterprise_id, team_id)

    # -- writing ----------------------------------------------------------------------------

    def save(self, installation: Installation) -> None:
        """Save with every secret encrypted (``save_bot``, called by it, finds them encrypted)."""
        sealed = Installation(**installation.to_dict_for_copying())
        for name in INSTALLATION_SECRETS:
            setattr(sealed, name, self.cipher.encrypt(getattr(installation, name)))
        super().save(sealed)
        self._changed(installation.enterprise_id, installation.team_id)

    def save_bot(self, bot: Bot) -> None:
        sealed = Bot(**bot.to_dict_for_copying())
        for name in BOT_SECRETS:
            setattr(sealed, name, self.cipher.encrypt(getattr(bot, name)))
        super().save_bot(sealed)
        self._changed(bot.enterprise_id, bot.team_id)

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        super().delete_bot(enterprise_id=enterprise_id, team_id=team_id)
        self._changed(enterprise_id, team_id)

    def delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        super().delete_installation(enterprise_id=enterprise_id, team_id=team_id, user_id=user_id)
        self._changed(enterprise_id, team_id)

    # -- reading (slack_sdk builds entities through these two) ------------------------------

    def build_installation_entity(self, row: Any) -> Installation:  # type: ignore[override]
        opened = dict(row)
        for name in INSTALLATION_SECRETS:
            opened[name] = self.cipher.decrypt(opened.get(name))
        return SQLAlchemyInstallationStore.build_installation_entity(opened)

    def build_bot_entity(self, row: Any) -> Bot:  # type: ignore[override]
        opened = dict(row)
        for name in BOT_SECRETS:
            opened[name] = self.cipher.decrypt(opened.get(name))
        return SQLAlchemyInstallationStore.build_bot_entity(opened)

    # -- revoking and re-keying -------------------------------------------------------------

    def forget_user_tokens(
        self, *, enterprise_id: str | None, team_id: str | None, user_ids: list[str]
    ) -> int:
        """Clear revoked user tokens, keeping each row and its bot token; the rows changed.

        Bolt's own ``tokens_revoked`` handler deletes the installer's installation rows, and
        those rows hold the bot token too.
        """
        c = self.installations.c
        with self.engine.begin() as conn:
            result = conn.execute(
                update(self.installations)
                .where(
                    c.client_id == self.client_id,
                    c.enterprise_id == enterprise_id,
                    c.team_id == team_id,
                    c.user_id.in_(user_ids),
                )
                .values(user_token=None, user_refresh_token=None, user_token_expires_at=None)
            )
        self._changed(enterprise_id, team_id)
        return result.rowcount or 0

    def rekey(self) -> int:
        """Re-encrypt every stored secret with the first key; the number of rows rewritten."""
        rewritten = 0
        for table, names in ((self.installations, INSTALLATION_SECRETS), (self.bots, BOT_SECRETS)):
            with self.engine.begin() as conn:
                rows = conn.execute(select(table.c.id, *(table.c[n] for n in names))).all()
                for row in rows:
                    values = {n: self.cipher.rekey(getattr(row, n)) for n in names}
                    conn.execute(update(table).where(table.c.id == row.id).values(**values))
                    rewritten += 1
        return rewritten


def state_store(engine: Engine, expiration_seconds: int) -> SQLAlchemyOAuthStateStore:
    """slack_sdk's OAuth state store on the bot's database (its table is in the migrations)."""
    return SQLAlchemyOAuthStateStore(
        expiration_seconds, engine, logger=logging.getLogger("bot.install.state")
    )


def rekey_stored_tokens(client_id: str, raw_keys: str, engine: Engine) -> int:
    """``python -m bot rekey``: every stored token re-encrypted with the first key; rows done."""
    return EncryptedInstallationStore(client_id, engine, TokenCipher(raw_keys)).rekey()


def installed_among(
    store: SQLAlchemyInstallationStore, connection: Connection, workspaces: set[Workspace]
) -> set[Workspace]:
    """Which of ``workspaces`` have a bot installed (their own, or their org's org-wide one).

    The mood record asks it in each flush's transaction (``MoodRecorder.keep``): counts of a
    workspace that uninstalled are not written, whichever process was still holding them.
    """
    bots = store.bots
    teams = sorted({w.team_id for w in workspaces if w.team_id})
    orgs = sorted({w.enterprise_id for w in workspaces if w.enterprise_id})
    if not teams and not orgs:
        return set()
    rows = connection.execute(
        select(bots.c.team_id, bots.c.enterprise_id, bots.c.is_enterprise_install).where(
            bots.c.client_id == store.client_id,
            or_(
                bots.c.team_id.in_(teams),
                and_(bots.c.enterprise_id.in_(orgs), bots.c.is_enterprise_install == true()),
            ),
        )
    ).all()
    own = {(team or "", org or "") for team, org, is_org in rows if not is_org}
    whole_orgs = {org for _team, org, is_org in rows if is_org and org}
    return {
        w
        for w in workspaces
        if (w.team_id, w.enterprise_id) in own
        or (w.enterprise_id and w.enterprise_id in whole_orgs)
    }
