"""``DATABASE_URL`` to a SQLAlchemy engine: SQLite by default, PostgreSQL (psycopg 3) in production.

With nothing configured the bot keeps its database in ``data/bot.sqlite3`` under the working
directory (git-ignored), so ``make run`` needs no server. SQLite runs in WAL mode with a busy
timeout so several threads (and gunicorn workers) can share the file, and with ``secure_delete``
on so deleted rows do not linger in the file. ``postgres://`` and
``postgresql://`` URLs are given the psycopg 3 driver, the one the serving install ships.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import StaticPool

from bot.settings import SettingsError
from bot.storage import DEFAULT_DATABASE_URL

SQLITE_BUSY_TIMEOUT_SECONDS = 15
CONNECT_TIMEOUT_SECONDS = 5


class DatabaseUrlError(ValueError):
    """``DATABASE_URL`` cannot be used; the message says how to fix it."""


class SchemaNewerError(RuntimeError):
    """The database was migrated by a newer release (a rollback ran old code on it)."""


class DatabaseUnusableError(SettingsError):
    """The database will not work however long the bot waits; the message is the one line."""


# What a failed connection or migration means, found in the driver's message (never logged:
# it can quote the user name or the URL). Checked in order; the first match decides.
# (substring, cause, can it heal by waiting?, what to do)
_CAUSES: tuple[tuple[str, str, bool, str], ...] = (
    ("password authentication failed", "wrong password or user", False, "fix the password"),
    ("no password supplied", "no password given", False, "add the password"),
    ("authentication failed", "authentication refused", False, "fix the user and password"),
    ("pg_hba.conf", "this host or user is not allowed", False, "allow it in pg_hba.conf"),
    ('role "', "unknown user", False, "fix the user name"),
    ('database "', "unknown database", False, "create the database or fix its name"),
    ("file is not a database", "not a database file", False, "point it at the bot's file"),
    ("unable to open database file", "cannot open the file", False, "make its folder writable"),
    ("connection refused", "connection refused", True, ""),
    ("timeout", "timed out", True, ""),
    ("timed out", "timed out", True, ""),
    ("could not translate host name", "unknown host", True, ""),
    ("name or service not known", "unknown host", True, ""),
    ("starting up", "server starting up", True, ""),
    ("shutting down", "server shutting down", True, ""),
    ("too many clients", "too many connections", True, ""),
)


def database_problem(err: BaseException) -> tuple[str, bool, str]:
    """(cause in words, whether waiting can fix it, the fix) for a database failure.

    Only what can heal is retried: a refused connection or a timeout (the server restarts, the
    network comes back). A wrong password, a database that does not exist, a malformed URL or
    a schema newer than this code stay wrong until someone changes something.
    """
    if isinstance(err, DatabaseUrlError):
        return "malformed URL", False, str(err)
    if isinstance(err, SchemaNewerError):
        return (
            str(err),
            False,
            "run the release that migrated it, or restore the backup taken before that upgrade",
        )
    text = " ".join(str(err).lower().split())
    if "does not exist" in text:
        for needle, cause, heals, fix in _CAUSES:
            if needle in text and needle in ('role "', 'database "'):
                return cause, heals, f"{fix} in DATABASE_URL"
    for needle, cause, heals, fix in _CAUSES:
        if needle in text and needle not in ('role "', 'database "'):
            return cause, heals, f"{fix} in DATABASE_URL" if fix else "retrying"
    return f"unavailable ({type(err).__name__})", True, "retrying"


def unusable_message(raw_url: str, err: BaseException, *, once: bool = False) -> str:
    """The one line for a database that will not heal: where, the cause in words, the fix.

    ``once``: for a one-shot command, which does not retry what could heal.
    """
    cause, heals, fix = database_problem(err)
    if once and heals:
        fix = "check that the server is up and reachable, then run it again"
    try:
        where = describe(parse_database_url(raw_url))
    except DatabaseUrlError:
        where = "DATABASE_URL"
    return f"cannot use the database {where}: {cause}: {fix}"


def parse_database_url(raw: str) -> URL:
    """The URL to connect to: the default SQLite file for an empty value, psycopg for postgres."""
    text = (raw or "").strip() or DEFAULT_DATABASE_URL
    try:
        url = make_url(text)
    except (ArgumentError, ValueError) as err:
        why = " (the port is not a number)" if isinstance(err, ValueError) else ""
        raise DatabaseUrlError(
            "DATABASE_URL must be a SQLAlchemy URL like sqlite:///data/bot.sqlite3 or "
            f"postgresql://user:password@host:5432/dbname{why}"
        ) from None
    backend = url.get_backend_name()
    if backend == "postgres":
        url = url.set(drivername="postgresql+psycopg")
    elif backend == "postgresql" and url.get_driver_name() in {"", "psycopg2", "psycopg"}:
        url = url.set(drivername="postgresql+psycopg")
    elif backend != "sqlite":
        raise DatabaseUrlError(
            f"DATABASE_URL uses {backend}, which the bot does not support: use sqlite:///PATH "
            "or postgresql://user:password@host:5432/dbname"
        )
    return url


def describe(url: URL) -> str:
    """The URL for logs: no password, and no query (``?password=``, ``sslpassword=`` ...)."""
    return url.set(query={}).render_as_string(hide_password=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
    _switch_to_wal(cursor)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Deleted rows (closed days' author hashes, keys, small days folded away) are overwritten
    # with zeros, not left in free pages; set here because SQLite's build default varies.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _switch_to_wal(cursor: Any) -> None:
    """``journal_mode=WAL``, retried: switching needs the file to itself, and SQLite answers
    "database is locked" at once (no busy wait) when another connection opens it at that
    moment, as processes and threads starting together do on a new file."""
    import sqlite3
    import time

    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_SECONDS
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def make_engine(raw_url: str) -> Engine:
    """An engine for ``DATABASE_URL`` (no connection is made yet).

    A SQLite file's folder is created on demand; ``sqlite://`` (memory) shares one connection
    between threads, for tests.
    """
    url = parse_database_url(raw_url)
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False}}
        if database in {"", ":memory:"}:
            kwargs["poolclass"] = StaticPool
        else:
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"]["timeout"] = SQLITE_BUSY_TIMEOUT_SECONDS
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=5,
        pool_timeout=CONNECT_TIMEOUT_SECONDS,
        connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS},
    )


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def upsert(engine: Engine):
    """The dialect's ``insert`` that supports ``on_conflict_do_*`` (SQLite 3.24+, PostgreSQL)."""
    if is_sqlite(engine):
        from sqlalchemy.dialects.sqlite import insert
    else:
        from sqlalchemy.dialects.postgresql import insert
    return insert
