"""The SQLite/PostgreSQL database fixtures, shared with the digest tests."""

from tests.bot.digests.conftest import database_url, digest_pg  # noqa: F401
