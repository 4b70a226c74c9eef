"""Alembic migrations for the bot's database (``versions/``), run by ``bot.storage.migrate``."""
