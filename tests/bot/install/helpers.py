"""The app in multi-workspace mode behind the real HTTP server, and database scans."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Engine,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    inspect,
    select,
)

from bot.install.uninstall import workspace_tables
from tests.bot.install.oauth_slack import CLIENT_ID, CLIENT_SECRET, OAuthSlack
from tests.helpers.slack_app import Served, served_app

KEY = Fernet.generate_key().decode()


def oauth_overrides(database_url: str, **more: Any) -> dict[str, Any]:
    return {
        "database_url": database_url,
        "slack_bot_token": "",
        "slack_client_id": CLIENT_ID,
        "slack_client_secret": CLIENT_SECRET,
        "slack_token_encryption_key": KEY,
        **more,
    }


@contextmanager
def oauth_app(database_url: str, fake: OAuthSlack, **more: Any) -> Iterator[Served]:
    """The real app in multi-workspace mode on a free port, with ``fake`` as Slack."""
    with served_app(fake=fake, **oauth_overrides(database_url, **more)) as served:
        yield served


def all_rows_text(engine: Engine) -> str:
    """Every value of every table, as text (to search for a token)."""
    metadata = MetaData()
    out = []
    with engine.connect() as conn:
        for name in inspect(engine).get_table_names():
            table = Table(name, metadata, autoload_with=conn)
            out.extend(repr(tuple(row)) for row in conn.execute(select(table)))
    return "\n".join(out)


def sqlite_bytes(database_url: str) -> bytes:
    """The SQLite file and its WAL, as bytes ("" for PostgreSQL)."""
    if not database_url.startswith("sqlite:///"):
        return b""
    path = Path(database_url.removeprefix("sqlite:///"))
    return b"".join(
        p.read_bytes() for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()
    )


# Values the bot's own upkeep leaves alone while the test runs: recent (inside retention) and
# large enough counts (a row of fewer people than the minimum group size is folded or dropped
# when days close, which would look like an uninstall deleting the other workspace's rows).
_RECENT = date.today() - timedelta(days=10)
_VALUES = (
    (LargeBinary, b"k" * 32),
    (Boolean, True),
    (DateTime, datetime(_RECENT.year, _RECENT.month, _RECENT.day, tzinfo=UTC)),
    (Date, _RECENT),
    (Float, 1.0),
    (Integer, 50),
)


def _value(column: Any) -> Any:
    for kind, value in _VALUES:
        if isinstance(column.type, kind):
            return value
    return "CSEED"


def seed_every_table(engine: Engine, team_id: str, enterprise_id: str = "") -> list[str]:
    """One row for the workspace in every table with a ``team_id`` (the bot's own tables:
    the installation store's rows come from installs); the tables seeded."""
    metadata = MetaData()
    seeded = []
    with engine.begin() as conn:
        for name in workspace_tables(engine):
            if name.startswith("slack_"):
                continue
            table = Table(name, metadata, autoload_with=conn)
            row = {
                column.name: _value(column)
                for column in table.columns
                if column.primary_key or not column.nullable
            }
            row.update(team_id=team_id, enterprise_id=enterprise_id)
            conn.execute(table.insert().values(**row))
            seeded.append(name)
    return seeded


def rows_of(engine: Engine, team_id: str) -> dict[str, int]:
    """Rows per workspace table whose team_id is ``team_id``."""
    metadata = MetaData()
    counts = {}
    with engine.connect() as conn:
        for name in workspace_tables(engine):
            table = Table(name, metadata, autoload_with=conn)
            counts[name] = len(conn.execute(select(table).where(table.c.team_id == team_id)).all())
    return counts
