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

from bot.storage import DEFAULT_DATABASE_URL

SQLITE_BUSY_TIMEOUT_SECONDS = 15
CONNECT_TIMEOUT_SECONDS = 5


class DatabaseUrlError(ValueError):
    """``DATABASE_URL`` cannot be used; the message says how to fix it."""


def parse_database_url(raw: str) -> URL:
    """The URL to connect to: the default SQLite file for an empty value, psycopg for postgres."""
    text = (raw or "").strip() or DEFAULT_DATABASE_URL
    try:
        url = make_url(text)
    except ArgumentError:
        raise DatabaseUrlError(
            "DATABASE_URL must be a SQLAlchemy URL like sqlite:///data/bot.sqlite3 or "
            "postgresql://user:password@host:5432/dbname"
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
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Deleted rows (closed days' author hashes, keys, small days folded away) are overwritten
    # with zeros, not left in free pages; set here because SQLite's build default varies.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


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
