"""The database layer: URLs, migrations to head (also two processes at once), on both databases."""

from __future__ import annotations

import threading

import pytest

from bot.storage.engine import DatabaseUrlError, describe, make_engine, parse_database_url
from bot.storage.migrate import HEAD, current_revision, migrate
from tests.helpers.migrations import head_revision


def test_head_constant_matches_alembic():
    assert head_revision() == HEAD


def test_urls():
    assert str(parse_database_url("")) == "sqlite:///data/bot.sqlite3"
    assert parse_database_url("postgres://u:p@h/db").drivername == "postgresql+psycopg"
    assert parse_database_url("postgresql://u:p@h/db").drivername == "postgresql+psycopg"
    with pytest.raises(DatabaseUrlError, match="mysql"):
        parse_database_url("mysql://u@h/db")
    with pytest.raises(DatabaseUrlError, match="SQLAlchemy URL"):
        parse_database_url("not a url")


def test_urls_in_logs_carry_no_password():
    for raw in (
        "postgresql://bot:hunter2@db:5432/mood",
        "postgresql://bot@db/mood?password=hunter2&sslmode=require",
        "postgresql://bot@db/mood?sslpassword=hunter2",
    ):
        shown = describe(parse_database_url(raw))
        assert "hunter2" not in shown and shown.startswith("postgresql+psycopg://bot")
        assert shown.endswith("db/mood") or shown.endswith("db:5432/mood")


def test_migrates_once_even_when_started_together(database_url):
    engines = [make_engine(database_url) for _ in range(3)]
    results: list[str] = []
    errors: list[BaseException] = []

    def run(engine) -> None:
        try:
            results.append(migrate(engine))
        except BaseException as err:  # noqa: BLE001
            errors.append(err)

    threads = [threading.Thread(target=run, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [] and results == [HEAD] * 3
    with engines[0].connect() as connection:
        assert current_revision(connection) == HEAD
    for engine in engines:
        engine.dispose()


def test_default_sqlite_file_goes_to_the_data_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    engine = make_engine("")
    migrate(engine)
    engine.dispose()
    assert (tmp_path / "data" / "bot.sqlite3").is_file()


def test_share_sums_migration_keeps_old_days_as_the_binary_models_sums(database_url):
    """0002 -> 0003 on a database with days: sums from score_sum, chart_files gone, and back."""
    from alembic import command
    from sqlalchemy import inspect, text

    from bot.storage.migrate import _alembic_config

    engine = make_engine(database_url)
    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), "0002_home_digests")
        connection.execute(
            text(
                "INSERT INTO mood_days (team_id, enterprise_id, channel_id, day, messages, "
                "positive, negative, score_sum, authors) "
                "VALUES ('T1', '', 'C1', '2026-01-05', 10, 4, 2, 6.0, 5)"
            )
        )
    assert migrate(engine) == HEAD
    with engine.connect() as connection:
        row = connection.execute(text("SELECT * FROM mood_days")).mappings().one()
        tables = set(inspect(connection).get_table_names())
    assert (row["p_positive"], row["p_negative"], row["p_neutral"]) == (6.0, 4.0, 0.0)
    assert row["p2_positive"] == pytest.approx(3.6) and row["p2_negative"] == pytest.approx(1.6)
    assert "score_sum" not in row and "mood_weeks" in tables and "chart_files" not in tables
    with engine.begin() as connection:
        command.downgrade(_alembic_config(connection), "0002_home_digests")
        score = connection.execute(text("SELECT score_sum FROM mood_days")).scalar_one()
    assert score == 6.0
    engine.dispose()


def test_a_failed_posts_reason_moves_to_its_own_column(database_url):
    """0007: the reason a post failed was kept in ``message_ts``; upgrading moves it."""
    from alembic import command
    from sqlalchemy import text

    from bot.storage.migrate import _alembic_config

    engine = make_engine(database_url)
    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), "0006_installations")
        for state, ts in (("failed", "channel_not_found"), ("sent", "1733000000.000100")):
            connection.execute(
                text(
                    "INSERT INTO scheduled_posts (team_id, enterprise_id, kind, channel_id,"
                    " period, state, claimed_by, claim_expires, attempts, message_ts)"
                    " VALUES ('T1', '', 'digest', :channel, '2026-11-23', :state, 'r',"
                    " CURRENT_TIMESTAMP, 1, :ts)"
                ),
                {"channel": f"C{state}", "state": state, "ts": ts},
            )
    assert migrate(engine) == HEAD
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT state, message_ts, failure FROM scheduled_posts ORDER BY state")
        ).all()
    assert [tuple(r) for r in rows] == [
        ("failed", None, "channel_not_found"),
        ("sent", "1733000000.000100", None),
    ]
    engine.dispose()
