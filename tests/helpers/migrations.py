"""Alembic's own view of the migrations, to check ``bot.storage.migrate.HEAD`` against."""

from __future__ import annotations

from alembic.config import Config
from alembic.script import ScriptDirectory

from bot.storage.migrate import MIGRATIONS


def head_revision() -> str:
    """The newest revision in ``bot/storage/migrations`` as Alembic reads it."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()
