"""The bot's database: one SQLAlchemy engine from ``DATABASE_URL``, schema migrated on start.

- ``engine``: the URL (default a SQLite file ``data/bot.sqlite3``; PostgreSQL through psycopg 3
  in production) and the engine built from it.
- ``schema``: the tables, as SQLAlchemy Core ``Table`` objects (the mood record's tables are
  described in ``bot/mood/README.md``).
- ``migrate``: run the versioned Alembic migrations in ``migrations/versions`` up to head, safely
  when several processes start together.

Nothing here imports SQLAlchemy at package import; the modules do, and only the bot's startup
imports them.
"""
