"""The bot's database: one SQLAlchemy engine from ``DATABASE_URL``, schema migrated on start.

- ``engine``: the URL (default a SQLite file ``data/bot.sqlite3``; PostgreSQL through psycopg 3
  in production) and the engine built from it.
- ``schema``: the mood record's tables, as SQLAlchemy Core ``Table`` objects (described in
  ``bot/mood/README.md``).
- ``home_schema``: the tables of the Home tab, weekly digests, mood-drop alerts and backfill
  (migration 0002).
- ``workspace_schema``: per-workspace settings an admin changes (migration 0003).
- ``day_counts``: adding counts to a per-channel-day row, the write ``mood_days`` and
  ``backfill_days`` share (and the names of those counts).
- ``migrate``: run the versioned Alembic migrations in ``migrations/versions`` up to head, safely
  when several processes start together.

Nothing here imports SQLAlchemy at package import; the modules do. The two constants below
live here so that code which must not import SQLAlchemy (``bot.mood.snapshot``, read at
``python -m bot``'s startup) can name the default file and the schema version.
"""

# The database with nothing configured (the folder is created on first use; git-ignored).
DEFAULT_DATABASE_URL = "sqlite:///data/bot.sqlite3"
# The newest revision in migrations/versions (a test keeps this in step with Alembic's head).
HEAD = "0007_post_failure"
