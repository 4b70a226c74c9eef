"""Bring the database schema to the newest version (Alembic ``upgrade head``), once, on start.

Several processes may start together (gunicorn workers, replicas), so the upgrade runs under a
lock: a PostgreSQL advisory lock, or an exclusive file lock next to a SQLite file. A database
already at ``HEAD`` is recognised with one query, without importing Alembic, so a normal start
stays fast.

A database at a revision this code does not know was migrated by a newer version of the bot
(a rollback after an upgrade): ``migrate`` refuses it with ``SchemaNewerError`` instead of
letting Alembic fail halfway, since only that newer code, or the backup taken before the
upgrade, can serve it.
"""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

from bot.storage import HEAD
from bot.storage.engine import SchemaNewerError, is_sqlite

log = logging.getLogger("bot.storage")

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_ADVISORY_LOCK_ID = 0x5E17_0001  # any constant shared by every process of this app


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at, or None for a database without the bot's tables."""
    try:
        row = connection.execute(text("SELECT version_num FROM alembic_version")).first()
    except SQLAlchemyError:
        connection.rollback()
        return None
    return row[0] if row else None


@contextmanager
def _file_lock(engine: Engine) -> Iterator[None]:
    database = engine.url.database or ""
    if database in {"", ":memory:"}:
        yield
        return
    lock_path = Path(database).expanduser().with_suffix(".migrate.lock")
    with open(lock_path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _alembic_config(connection: Connection):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def known_revisions() -> set[str]:
    """Every revision in ``migrations/versions``: what this code can run on or upgrade."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory(str(MIGRATIONS))
    return {script.revision for script in scripts.walk_revisions()}


def migrate(engine: Engine) -> str:
    """Upgrade the schema to head under a cross-process lock; return the revision reached.

    Raises ``SchemaNewerError`` for a revision this code does not know (a newer release
    migrated the database, then was rolled back): upgrading cannot fix that, and running on a
    schema it does not know could corrupt the mood record.
    """
    with engine.connect() as connection:
        current = current_revision(connection)
    if current == HEAD:
        return HEAD
    if current is not None and current not in known_revisions():
        raise SchemaNewerError(
            f"the database is at schema revision {current}, newer than this code's {HEAD}"
        )
    from alembic import command

    if is_sqlite(engine):
        with _file_lock(engine), engine.begin() as connection:
            command.upgrade(_alembic_config(connection), "head")
    else:
        with engine.begin() as connection:
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _ADVISORY_LOCK_ID})
            command.upgrade(_alembic_config(connection), "head")
    with engine.connect() as connection:
        reached = current_revision(connection) or "none"
    log.info("database_migrated revision=%s", reached)
    return reached
