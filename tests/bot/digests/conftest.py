"""Databases for the digest tests: a SQLite file and a database on a throwaway PostgreSQL."""

from __future__ import annotations

import pytest

from benchmarks.postgres import PostgresServer, postgres_bin


@pytest.fixture(scope="session")
def digest_pg():
    if postgres_bin() is None:
        pytest.skip("PostgreSQL is not installed: apt-get install postgresql (.ci/run does)")
    with PostgresServer() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    return request.getfixturevalue("digest_pg").new_database()
