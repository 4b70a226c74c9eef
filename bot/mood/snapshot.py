"""The opt-out list and the channels with counting off, read straight from the SQLite file.

``python -m bot`` should answer its first message as soon as it did before the mood record
existed, but every message needs these two caches (an opted-out person gets no reaction), and
importing SQLAlchemy to read them costs more than the rest of the bot's startup after the model.
So with the default kind of database, a SQLite file that already exists and is at the schema
``HEAD``, the service reads the caches here with the standard library's ``sqlite3`` (a few
milliseconds) and opens SQLAlchemy in the background. Anything else (PostgreSQL, a new file, an
older schema, any error) returns None and the message path waits for the full open instead.

The queries are ``bot.mood.store.load_optouts`` and ``untracked_channels`` in plain SQL; a test
checks both give the same caches.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.mood.tally import OptOuts
from bot.mood.workspace import Workspace
from bot.storage import DEFAULT_DATABASE_URL, HEAD

Untracked = frozenset[tuple[Workspace, str]]


def sqlite_path(database_url: str) -> Path | None:
    """The file of a plain ``sqlite:///PATH`` URL (no driver, no options), else None."""
    url = (database_url or "").strip() or DEFAULT_DATABASE_URL
    prefix = "sqlite:///"
    if not url.startswith(prefix) or "?" in url:
        return None
    path = url[len(prefix) :]
    if path in {"", ":memory:"}:
        return None
    return Path(path).expanduser()


def read_caches(database_url: str) -> tuple[OptOuts, Untracked] | None:
    """The two caches from an existing SQLite file at ``HEAD``, or None (then open it fully)."""
    path = sqlite_path(database_url)
    if path is None or not path.is_file():
        return None
    try:
        connection = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=1.0)
    except sqlite3.Error:
        return None
    try:
        version = connection.execute("SELECT version_num FROM alembic_version").fetchall()
        if version != [(HEAD,)]:
            return None
        keys = {
            Workspace(team, enterprise): bytes(key)
            for team, enterprise, key in connection.execute(
                "SELECT team_id, enterprise_id, hash_key FROM mood_optout_keys"
            )
        }
        grouped: dict[Workspace, set[bytes]] = {}
        for team, enterprise, user_hash in connection.execute(
            "SELECT team_id, enterprise_id, user_hash FROM mood_optouts"
        ):
            grouped.setdefault(Workspace(team, enterprise), set()).add(bytes(user_hash))
        untracked = frozenset(
            (Workspace(team, enterprise), channel)
            for team, enterprise, channel in connection.execute(
                "SELECT team_id, enterprise_id, channel_id FROM mood_channels WHERE tracking = 0"
            )
        )
    except sqlite3.Error:
        return None
    finally:
        connection.close()
    optouts = OptOuts(keys, {ws: frozenset(hashes) for ws, hashes in grouped.items()})
    return optouts, untracked
