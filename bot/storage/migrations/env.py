"""Alembic's environment: migrate over the connection ``bot.storage.migrate`` hands in.

Run by ``bot.storage.migrate.migrate`` (at the bot's start). To write a new migration:
``.venv/bin/alembic -c bot/storage/migrations/alembic.ini revision -m "what changes"`` with
``DATABASE_URL`` set, then fill in ``upgrade``/``downgrade``.
"""

from __future__ import annotations

from alembic import context

import bot.storage.home_schema  # noqa: F401 - its tables join the metadata
import bot.storage.workspace_schema  # noqa: F401 - its tables join the metadata
from bot.storage.schema import metadata

config = context.config
connection = config.attributes.get("connection")

if connection is None:  # the alembic command line: connect to DATABASE_URL
    import os

    from bot.storage.engine import make_engine

    engine = make_engine(os.environ.get("DATABASE_URL", ""))
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=metadata)
    with context.begin_transaction():
        context.run_migrations()
