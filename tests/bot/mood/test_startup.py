"""``python -m bot`` opens the database in the background: fast first answers, opt-outs kept.

The caches the message path needs (opt-outs, channels with counting off) come from the SQLite
file with the standard library (``bot.mood.snapshot``) when it is at ``HEAD``; otherwise the
message path waits for the full open. Either way an opted-out person's first message after a
start gets no reaction.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from bot.console import slack_requests as payloads
from bot.mood import snapshot, store
from bot.mood.service import MoodService
from bot.mood.workspace import Workspace
from bot.settings import Settings
from tests.bot.mood.test_durability import run_bot
from tests.bot.mood.test_mood_app import TEAM, USERS, message
from tests.helpers.fake_slack import FakeSlack
from tests.helpers.slack_app import REPO, SECRET, free_port, post_signed

OTHER = Workspace("T0000OTHR", "E0000GRID")


def prepared(database_url: str) -> MoodService:
    """A database at HEAD with opt-outs and channel switches in two workspaces."""
    service = MoodService.open(Settings(database_url=database_url))
    service.set_opted_out(TEAM, USERS[0], True)
    service.set_opted_out(OTHER, USERS[1], True)
    service.set_opted_out(OTHER, USERS[2], True)
    service.set_opted_out(OTHER, USERS[2], False)
    service.set_tracking(TEAM, "C0000OFF1", False)
    service.set_tracking(OTHER, "C0000OFF2", False)
    service.set_tracking(OTHER, "C0000BACK", False)
    service.set_tracking(OTHER, "C0000BACK", True)
    return service


def test_snapshot_reads_the_same_caches_as_the_store(tmp_path):
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    service = prepared(url)
    try:
        optouts, untracked = snapshot.read_caches(url)
        assert optouts == store.load_optouts(service.engine)
        assert untracked == store.untracked_channels(service.engine)
        assert untracked == {(TEAM, "C0000OFF1"), (OTHER, "C0000OFF2")}
        assert optouts.contains(TEAM, USERS[0]) and optouts.contains(OTHER, USERS[1])
        assert not optouts.contains(OTHER, USERS[2]) and not optouts.contains(TEAM, USERS[1])
    finally:
        service.close()


def test_snapshot_declines_what_it_cannot_read_exactly(tmp_path):
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    assert snapshot.read_caches(url) is None  # no file yet: the full open creates it
    prepared(url).close()
    assert snapshot.read_caches(url) is not None
    with sqlite3.connect(tmp_path / "bot.sqlite3") as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0000_older'")
    assert snapshot.read_caches(url) is None  # another schema: the full open migrates first
    assert snapshot.read_caches("postgresql://u@127.0.0.1:1/db") is None
    assert snapshot.read_caches(url + "?timeout=3") is None
    assert snapshot.read_caches("sqlite://") is None
    assert snapshot.sqlite_path("") == Path("data/bot.sqlite3")  # the default file


def test_importing_the_mood_service_does_not_import_sqlalchemy():
    code = (
        "import sys, bot.app, bot.mood.service, bot.mood.snapshot, bot.listeners.messages; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'alembic')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_background_open_waits_for_the_caches_before_the_first_message(database_url):
    prepared(database_url).close()
    settings = Settings(database_url=database_url)
    service = MoodService.open(settings, background=True)
    try:
        assert service.opted_out(TEAM, USERS[0])  # at once from the file, or after the open
        assert not service.opted_out(TEAM, USERS[1])
        assert not service.counting(TEAM, "C0000OFF1") and service.counting(TEAM, "C0000GEN")
    finally:
        service.close()


def test_background_open_of_a_database_that_is_down_does_not_stop_the_message_path():
    settings = replace(Settings(), database_url=f"postgresql://u@127.0.0.1:{free_port()}/db")
    service = MoodService.open(settings, background=True)
    try:
        assert not service.opted_out(TEAM, USERS[0])  # the first try failed: go on without
        assert service.counting(TEAM, "C0000GEN")
    finally:
        service.close(timeout=1)


def test_python_m_bot_never_reacts_to_an_opted_out_first_message(tmp_path, database_url):
    """SQLite: the caches come from the file; PostgreSQL: the message path waits for the open."""
    prepared(database_url).close()
    port = free_port()
    text = "the release was great and the team loved it, wonderful work"
    with FakeSlack() as fake, run_bot(tmp_path, fake, port, database_url) as (proc, base):
        sent = [message(text, user) for user in USERS[:2]]  # the opted-out person first
        for event in sent:
            body = payloads.json_body(payloads.event_callback(event))
            assert post_signed(base + "/slack/events", SECRET, body, "application/json")[0] == 200
        fake.wait_for("reactions.add", timeout=30)
        proc.send_signal(signal.SIGTERM)  # finishes every acked message's work, then exits
        _out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
    (reaction,) = fake.calls("reactions.add")  # only the second person's message
    assert reaction.params["timestamp"] == sent[1]["ts"]


def test_a_database_failing_two_ways_in_turn_is_logged_once_per_cause(caplog):
    """Refused, timed out, refused, ... (a loaded host): one warning per cause a minute, not
    one per attempt; after a recovery each cause is news again."""
    import logging

    service = MoodService(replace(Settings(), database_url="postgresql://u@127.0.0.1:1/db"))
    refused = OSError("connection failed: Connection refused")
    slow = OSError("connection timeout expired")
    with caplog.at_level(logging.WARNING, logger="bot.mood"):
        for _ in range(10):
            service._database_failed(refused, may_stop=False)
            service._database_failed(slow, may_stop=False)
    warned = [r.getMessage() for r in caplog.records if "database_unavailable" in r.getMessage()]
    assert len(warned) == 2, warned
    assert "cause=connection_refused" in warned[0] and "cause=timed_out" in warned[1]
    assert service.degraded()[0] == "database"
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="bot.mood"):
        service._set_db_ok(True)  # recovered: said once
        service._set_db_ok(True)
    assert [r.getMessage().split()[0] for r in caplog.records] == ["database_recovered"]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="bot.mood"):
        service._database_failed(refused, may_stop=False)
    assert sum("database_unavailable" in r.getMessage() for r in caplog.records) == 1
