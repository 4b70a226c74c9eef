"""What survives: SIGTERM loses no count, kill -9 at most the last flush, an outage no reaction.

The first two run ``python -m bot`` (HTTP mode, the shipped model) as a process on SQLite; the
gunicorn one runs ``gunicorn -c gunicorn.conf.py`` (two preloaded, forked workers, the keyword
model) on both databases; the outage test stops and restarts a real PostgreSQL server under a
running app.
"""

from __future__ import annotations

import logging
import signal
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from benchmarks.postgres import PostgresServer, postgres_bin, wait_for
from bot.console import slack_requests as payloads
from bot.mood import store
from bot.storage.engine import make_engine
from tests.bot.mood.test_mood_app import POSITIVE, TEAM, USERS, counted, message
from tests.bot.test_gunicorn import env_for, gunicorn_argv
from tests.bot.test_gunicorn import send as send_to_gunicorn
from tests.helpers.fake_slack import FakeSlack
from tests.helpers.slack_app import (
    SECRET,
    bot_env,
    bot_process,
    free_port,
    post_signed,
    served_app,
)

TEXTS = [
    "the release was great and the team loved it, wonderful work",
    "this is a terrible and awful outcome, really bad news",
]


def stored_messages(url: str) -> int:
    engine = make_engine(url)
    try:
        today = datetime.now(UTC).date()
        days = store.channel_days(
            engine, TEAM, "C0000GEN", today - timedelta(days=2), today + timedelta(days=2)
        )
        return sum(d.messages for d in days)
    except Exception:  # noqa: BLE001 - not created yet
        return 0
    finally:
        engine.dispose()


def run_bot(tmp_path: Path, fake: FakeSlack, port: int, url: str):
    env = bot_env(
        SLACK_BOT_TOKEN="xoxb-durable",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake.base_url,
        PORT=str(port),
        HOST="127.0.0.1",
        DATABASE_URL=url,
        MOOD_FLUSH_SECONDS="1",
        # 30 reactions in a few seconds: past the per-workspace budget (20 at once) this test is
        # not about; it waits for every reaction as its sign that every message was handled.
        REACTIONS_PER_MINUTE="10000",
        REACTION_BURST="10000",
    )
    return bot_process([sys.executable, "-m", "bot"], env, tmp_path, port)


def send_all(base: str, count: int) -> None:
    for n in range(count):
        event = payloads.event_callback(message(TEXTS[n % 2] + f" {n}", USERS[n % 4]))
        body = payloads.json_body(event)
        assert post_signed(base + "/slack/events", SECRET, body, "application/json")[0] == 200


def test_sigterm_writes_every_pending_count(tmp_path):
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    port = free_port()
    with FakeSlack() as fake, run_bot(tmp_path, fake, port, url) as (proc, base):
        send_all(base, 30)
        fake.wait_for("reactions.add", count=30, timeout=30)
        proc.send_signal(signal.SIGTERM)  # within the flush interval of the last messages
        _out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
    assert stored_messages(url) == 30
    assert "great" not in err and "terrible" not in err


def test_kill_9_keeps_every_flushed_count(tmp_path):
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    port = free_port()
    with FakeSlack() as fake, run_bot(tmp_path, fake, port, url) as (proc, base):
        send_all(base, 30)
        fake.wait_for("reactions.add", count=30, timeout=30)
        # Without any shutdown the background flush writes them within about a second.
        assert wait_for(lambda: stored_messages(url) == 30, timeout=15)
        proc.kill()
        proc.communicate(timeout=10)
    assert stored_messages(url) == 30  # committed, intact after kill -9


def keyword_application_flushing_only_at_exit():
    """gunicorn factory: the keyword-model app whose background flush does not run in a test.

    ``MOOD_FLUSH_SECONDS`` is capped at 1 s, so to know that counts are still pending in the
    workers when SIGTERM arrives the flush interval is set to an hour here; what writes them
    is then only the workers' shutdown.
    """
    from dataclasses import replace

    import bot.bootstrap
    from tests.bot.test_gunicorn import keyword_application

    read = bot.bootstrap.settings_from_env
    bot.bootstrap.settings_from_env = lambda env: replace(read(env), mood_flush_seconds=3600.0)
    return keyword_application()


def test_gunicorn_workers_write_every_pending_count_on_sigterm(tmp_path, database_url):
    port = free_port()
    app = "tests.bot.mood.test_durability:keyword_application_flushing_only_at_exit()"
    with FakeSlack() as fake:
        env = env_for(
            fake,
            port,
            DATABASE_URL=database_url,
            REACTIONS_PER_MINUTE="10000",
            REACTION_BURST="10000",
        )
        with bot_process(gunicorn_argv(app), env, tmp_path, port) as (proc, base):
            for n in range(24):
                event = message(TEXTS[n % 2] + f" {n}", USERS[n % 4])
                assert send_to_gunicorn(base, event) == 200
            fake.wait_for("reactions.add", count=24, timeout=30)
            assert stored_messages(database_url) == 0  # all 24 still pending in the workers
            proc.send_signal(signal.SIGTERM)
            _out, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, err
    assert err.count("Booting worker") == 2
    assert stored_messages(database_url) == 24  # nothing lost
    assert "great" not in err and "terrible" not in err


@pytest.mark.skipif(postgres_bin() is None, reason="PostgreSQL is not installed")
def test_a_database_outage_never_stops_reactions_and_keeps_counts_up_to_a_bound(caplog):
    caplog.set_level(logging.INFO, logger="bot.mood")
    with PostgresServer() as server:
        url = server.new_database()
        with served_app(database_url=url, mood_flush_seconds=0.1, mood_max_pending=5) as served:
            server.stop()
            for n in range(8):
                assert served.send_event(message(POSITIVE + f" {n}", USERS[n % 4]))[0] == 200
            served.settle()
            assert len(served.fake.calls("reactions.add")) == 8  # nothing waits on the database
            assert served.mood.recorder.pending == 5
            assert not served.mood.recorder.flush()
            answer = served.command("mood")
            assert answer[0] == 200
            served.settle()
            assert "can't reach my database" in served.fake.calls("response_url")[-1].params["text"]
            server.start()
            assert wait_for(lambda: (counted(served) or [None])[0] is not None, timeout=20)
            (day,) = counted(served)
            assert day.messages == 5 and served.mood.recorder.pending == 0
    logs = caplog.text
    assert "mood_flush_failed" in logs
    assert "mood_dropped count=3 reason=pending_limit" in logs
    assert "mood_flush_recovered" in logs
