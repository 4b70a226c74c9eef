"""Nothing lost, nothing answered twice: redeliveries, replays and edits, as Slack sends them.

Signed HTTP requests into the real app (one process, its own record), the record on the host
that gunicorn's workers share (SQLite), and the startup checks of the shared records.
"""

from __future__ import annotations

import logging
import multiprocessing
import sys
import threading
import time
import urllib.request

import pytest

from bot.console import slack_requests as payloads
from bot.delivery.host_record import HostSeenEvents
from tests.helpers.fake_slack import RESPONSE_URL_METHOD, FakeSlack
from tests.helpers.slack_app import bot_env, free_port, post_signed, served_app

BOT = "UBOT0001"


@pytest.fixture
def served():
    with served_app() as served:
        yield served


# --- one process: its own record is authoritative ----------------------------------------------


def test_redeliveries_of_a_lost_event_are_answered_once_in_one_process(served):
    """Slack's three redeliveries of an event whose first delivery never arrived."""
    event = payloads.message_event("the launch was great and good", channel="C1")
    for attempt, reason in ((1, "http_timeout"), (2, "http_error"), (3, "http_timeout")):
        retry = {"X-Slack-Retry-Num": str(attempt), "X-Slack-Retry-Reason": reason}
        assert served.send_event(event, event_id="EvLOSTONE", **retry)[0] == 200
    served.settle()
    assert [c.params["timestamp"] for c in served.fake.calls("reactions.add")] == [event["ts"]]


def test_a_signed_slash_command_replayed_is_answered_once(served):
    fields = payloads.slash_command(
        "this is great and good", response_url=served.fake.response_url()
    )
    body = payloads.form_body(fields)
    # One signature, sent 3 times.
    headers = payloads.sign(served.settings.slack_signing_secret, body)
    for _ in range(3):
        assert served.post(body, "application/x-www-form-urlencoded", headers)[0] == 200
    served.settle()
    assert len(served.fake.calls(RESPONSE_URL_METHOD)) == 1
    # The same text asked again is a new request (new signature, new trigger_id): answered.
    fields = payloads.slash_command(
        "this is great and good", response_url=served.fake.response_url()
    )
    assert served.post(payloads.form_body(fields), "application/x-www-form-urlencoded")[0] == 200
    served.settle()
    assert len(served.fake.calls(RESPONSE_URL_METHOD)) == 2


def test_a_signed_event_replayed_is_answered_once(served):
    body = payloads.json_body(
        payloads.event_callback(payloads.app_mention_event(f"<@{BOT}> great and good"))
    )
    headers = payloads.sign(served.settings.slack_signing_secret, body)
    for _ in range(2):
        assert served.post(body, "application/json", headers)[0] == 200
    served.settle()
    assert len(served.fake.calls("chat.postMessage")) == 1


def test_an_edited_mention_gets_no_second_reply(served):
    """Slack re-sends app_mention (new event_id, an ``edited`` field) on every edit."""
    ts = payloads.new_ts()
    text = f"<@{BOT}> the demo was great"
    served.send_event(payloads.app_mention_event(text, channel="C1", ts=ts))
    served.fake.wait_for("chat.postMessage")
    for n in range(2):
        edited = {"user": "UHUMAN001", "ts": f"{float(ts) + 5 + n:.6f}"}
        edit = payloads.app_mention_event(f"{text} and good", channel="C1", ts=ts, edited=edited)
        served.send_event(edit)
        # The edit also arrives as message_changed, which is housekeeping.
        changed = payloads.message_event(
            "",
            channel="C1",
            subtype="message_changed",
            hidden=True,
            message={"type": "message", "user": "UHUMAN001", "text": edit["text"], "ts": ts},
        )
        served.send_event(changed)
    served.settle()
    assert len(served.fake.calls("chat.postMessage")) == 1
    assert served.fake.calls("reactions.add") == []


def test_an_edit_that_adds_the_mention_gets_the_one_reply(served):
    ts = payloads.new_ts()
    edited = {"user": "UHUMAN001", "ts": f"{float(ts) + 3:.6f}"}
    served.send_event(
        payloads.app_mention_event(f"<@{BOT}> great work", channel="C1", ts=ts, edited=edited)
    )
    served.settle()
    (reply,) = served.fake.calls("chat.postMessage")
    assert reply.params["thread_ts"] == ts


def test_an_edit_of_a_mention_older_than_the_record_is_not_answered(served):
    ts = f"{time.time() - 2 * 3600:.6f}"  # answered two hours ago, forgotten since
    edited = {"user": "UHUMAN001", "ts": f"{time.time():.6f}"}
    served.send_event(
        payloads.app_mention_event(f"<@{BOT}> great work", channel="C1", ts=ts, edited=edited)
    )
    served.settle()
    assert served.fake.calls("chat.postMessage") == []


# --- the record on one host, shared by processes ------------------------------------------------


def _claim(path: str, keys: list[str], start, out) -> None:
    record = HostSeenEvents(path)
    start.wait()
    out.put([key for key in keys if record.first_time(key)])


def test_host_record_one_winner_across_processes(tmp_path):
    path = str(tmp_path / "handled.sqlite3")
    keys = [f"Ev{n}" for n in range(300)]
    ctx = multiprocessing.get_context("fork")
    start, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_claim, args=(path, keys, start, out)) for _ in range(4)]
    for proc in procs:
        proc.start()
    start.set()
    wins = [key for _ in procs for key in out.get(timeout=60)]
    for proc in procs:
        proc.join(timeout=30)
    assert sorted(wins) == sorted(keys)  # every key won exactly once


def _claim_on_threads(record: HostSeenEvents, keys: list[str], start, out) -> None:
    """One process's threads claim side by side through one record, as its ack threads do."""
    won: list[str] = []
    lock = threading.Lock()

    def claim(part: list[str]) -> None:
        for key in part:
            if record.first_time(key):
                with lock:
                    won.append(key)

    start.wait()
    threads = [threading.Thread(target=claim, args=(keys[i::8],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out.put((won, len(record._idle)))


def test_host_record_one_winner_across_processes_and_their_threads(tmp_path):
    """Claims run side by side (a connection each, no lock across the statement): still one
    winner per key, and a record used before the fork is safe to use after it."""
    from bot.delivery.host_record import IDLE_CONNECTIONS

    path = str(tmp_path / "handled.sqlite3")
    record = HostSeenEvents(path)
    assert record.first_time("EvBeforeFork")  # the parent holds an open connection now
    keys = [f"Ev{n}" for n in range(400)]
    ctx = multiprocessing.get_context("fork")
    start, out = ctx.Event(), ctx.Queue()
    procs = [
        ctx.Process(target=_claim_on_threads, args=(record, keys, start, out)) for _ in range(3)
    ]
    for proc in procs:
        proc.start()
    start.set()
    results = [out.get(timeout=60) for _ in procs]
    for proc in procs:
        proc.join(timeout=30)
    wins = [key for won, _idle in results for key in won]
    assert sorted(wins) == sorted(keys)  # every key won exactly once, over 24 threads
    assert all(0 < idle <= IDLE_CONNECTIONS for _won, idle in results)
    assert not record.first_time("EvBeforeFork") and record.degraded is None
    record.close()


def test_a_record_that_cannot_open_its_file_yet_tries_again(tmp_path):
    """Another process holds the new file while this one opens it (switching it to WAL needs
    the file to itself): the claim waits and tries again, it does not give up on the file."""
    import sqlite3

    from bot.delivery.host_record import BUSY_TIMEOUT_MS

    path = tmp_path / "handled.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN")
    holder.execute("SELECT * FROM t").fetchall()  # a read lock: no journal-mode switch now
    release = threading.Timer(BUSY_TIMEOUT_MS / 1000 + 0.3, holder.rollback)
    release.start()
    record = HostSeenEvents(path)
    try:
        assert record.first_time("Ev1")
        assert record.degraded is None  # the file, not this process alone, decided
        assert not HostSeenEvents(path).first_time("Ev1")  # and it holds the key
    finally:
        release.join()
        holder.close()
        record.close()


def test_host_record_forgets_after_the_ttl(tmp_path):
    now = [1000.0]
    record = HostSeenEvents(tmp_path / "r.sqlite3", ttl_seconds=60, clock=lambda: now[0])
    assert record.first_time("Ev1") and not record.first_time("Ev1")
    other = HostSeenEvents(tmp_path / "r.sqlite3", ttl_seconds=60, clock=lambda: now[0])
    assert not other.first_time("Ev1")  # another process's record on the same host
    now[0] += 61
    assert other.first_time("Ev1")  # expired: new again
    record.close()
    other.close()


def test_host_record_purge_reads_only_the_expired_keys(tmp_path):
    """The purge under the write lock finds expired keys by an index, not by reading an hour of
    keys (a record opened before the index existed gets it too)."""
    import sqlite3

    from bot.delivery.host_record import _PURGE, open_record

    path = tmp_path / "r.sqlite3"
    old = sqlite3.connect(path)
    old.execute("CREATE TABLE handled (key TEXT PRIMARY KEY, expires REAL NOT NULL)")
    old.close()
    conn = open_record(path)
    plan = " ".join(row[-1] for row in conn.execute("EXPLAIN QUERY PLAN " + _PURGE, (0.0,)))
    assert "INDEX handled_expires" in plan and "SCAN" not in plan, plan
    conn.close()


def test_unwritable_host_record_falls_back_and_says_so(tmp_path, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("")
    record = HostSeenEvents(blocker / "handled.sqlite3")  # a path under a regular file
    assert record.first_time("Ev1") and not record.first_time("Ev1")
    assert "dedupe_store_unavailable store=host_file" in caplog.text


# --- gunicorn: several workers, one record on the host -----------------------------------------

SECRET = "delivery-test-secret"


def test_gunicorn_workers_share_the_record_no_loss_no_duplicate(tmp_path):
    """Copies of each event race into two workers: one reaction per event, none lost."""
    from tests.bot.test_gunicorn import env_for, gunicorn_argv
    from tests.helpers.slack_app import bot_process

    port = free_port()
    with FakeSlack() as fake:
        env = env_for(fake, port)
        assert "DEDUPE_DB" not in env and "REDIS_URL" not in env
        with bot_process(gunicorn_argv(), env, tmp_path, port) as (proc, base):
            url = base + "/slack/events"
            events = [
                payloads.message_event(f"great and good {n}", channel="C1") for n in range(12)
            ]
            bodies = [
                payloads.json_body(payloads.event_callback(e, event_id=f"EvG{n}"))
                for n, e in enumerate(events)
            ]
            statuses: list[int] = []

            def deliver(copy: int) -> None:
                # copy 0 is the original, 1-3 are Slack's redeliveries of it
                headers = {"X-Slack-Retry-Num": str(copy)} if copy else {}
                for body in bodies:
                    statuses.append(
                        post_signed(
                            url, "gunicorn-test-secret", body, "application/json", **headers
                        )[0]
                    )

            threads = [threading.Thread(target=deliver, args=(c,)) for c in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert statuses == [200] * 48
            fake.wait_for("reactions.add", count=12, timeout=15)
            proc.terminate()
            _out, err = proc.communicate(timeout=30)
    stamps = sorted(c.params["timestamp"] for c in fake.calls("reactions.add"))
    assert stamps == sorted(e["ts"] for e in events)
    assert err.count("Booting worker") == 2
    assert "dedupe_store_unavailable" not in err
    assert proc.returncode == 0


# --- startup checks of the shared records -------------------------------------------------------


def _start(env: dict[str, str], tmp_path) -> tuple[int, str]:
    import subprocess

    done = subprocess.run(
        [sys.executable, "-m", "bot"],
        env=bot_env(**env),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.returncode, done.stderr


@pytest.mark.parametrize(
    ("redis_url", "expected"),
    [
        ("redis://h:notaport/0", "error: REDIS_URL must look like redis://host:6379/0"),
        ("redis://:s3cret@h:6379/zero", "error: REDIS_URL must look like redis://host:6379/0"),
    ],
)
def test_a_malformed_redis_url_stops_the_bot_with_one_line(tmp_path, redis_url, expected):
    port = str(free_port())
    with FakeSlack() as fake:
        code, err = _start(
            {
                "SLACK_BOT_TOKEN": "xoxb-1",
                "SLACK_SIGNING_SECRET": "s",
                "SLACK_API_URL": fake.base_url,
                "REDIS_URL": redis_url.format(free=port),
            },
            tmp_path,
        )
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(expected.format(free=port)), err
    assert "s3cret" not in err and "Traceback" not in err


def test_an_unwritable_dedupe_db_stops_the_bot_with_one_line(tmp_path):
    (tmp_path / "file").write_text("")
    with FakeSlack() as fake:
        code, err = _start(
            {
                "SLACK_BOT_TOKEN": "xoxb-1",
                "SLACK_SIGNING_SECRET": "s",
                "SLACK_API_URL": fake.base_url,
                "DEDUPE_DB": str(tmp_path / "file" / "handled.sqlite3"),
            },
            tmp_path,
        )
    assert code == 2
    (line,) = err.strip().splitlines()
    assert line.startswith("error: cannot write the record of handled events DEDUPE_DB=")


def test_health_is_unaffected(served):
    with urllib.request.urlopen(served.url + "/healthz", timeout=5) as response:
        assert response.status == 200


# --- shutdown: acked work that cannot finish is named, and the exit status says so -------------


def _abandon_one_event(fake: FakeSlack, base: str, secret: str) -> None:
    """A bare mention in a thread whose conversations.replies hangs: acked, then stuck."""
    fake.add_message("C1", "500.000001", "the launch was great")
    fake.fail("conversations.replies", delay=8.0)
    event = payloads.app_mention_event(f"<@{BOT}>", channel="C1", thread_ts="500.000001")
    body = payloads.json_body(payloads.event_callback(event, event_id="EvDRAIN1"))
    assert post_signed(base + "/slack/events", secret, body, "application/json")[0] == 200
    deadline = time.monotonic() + 5
    while not any(c.method == "auth.test" for c in fake.calls()) and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)  # the listener is now inside the slow call


def test_gunicorn_drain_timeout_names_the_abandoned_events_and_exits_1(tmp_path):
    import signal

    from tests.bot.test_gunicorn import env_for, gunicorn_argv
    from tests.helpers.slack_app import bot_process

    port = free_port()
    with FakeSlack() as fake:
        env = env_for(fake, port, GRACEFUL_TIMEOUT="3")
        with bot_process(gunicorn_argv(), env, tmp_path, port) as (proc, base):
            _abandon_one_event(fake, base, "gunicorn-test-secret")
            proc.send_signal(signal.SIGTERM)
            _out, err = proc.communicate(timeout=30)
    assert "drain_timeout seconds=2.0 abandoned=1 ids=EvDRAIN1 in_flight=0" in err, err
    assert proc.returncode == 1, err


def _keyword_bot_env(fake: FakeSlack, port: int, **extra: str) -> dict[str, str]:
    """``python -m bot`` in HTTP mode on ``port``, talking to ``fake``."""
    return bot_env(
        SLACK_BOT_TOKEN="xoxb-drain",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake.base_url,
        HOST="127.0.0.1",
        PORT=str(port),
        **extra,
    )


def test_python_m_bot_drain_timeout_names_the_abandoned_events_and_exits_1(tmp_path):
    import signal

    from tests.bot.test_redis_dedupe import KEYWORD_BOT
    from tests.helpers.slack_app import bot_process

    port = free_port()
    with FakeSlack() as fake:
        env = _keyword_bot_env(fake, port, GRACEFUL_TIMEOUT="1")
        argv = [sys.executable, "-c", KEYWORD_BOT]
        with bot_process(argv, env, tmp_path, port) as (proc, base):
            _abandon_one_event(fake, base, SECRET)
            proc.send_signal(signal.SIGTERM)
            _out, err = proc.communicate(timeout=30)
    assert "drain_timeout seconds=1.0 abandoned=1 ids=EvDRAIN1 in_flight=0" in err, err
    assert proc.returncode == 1, err


def test_python_m_bot_finishes_acked_work_on_sigterm_and_exits_0(tmp_path):
    import signal

    from tests.bot.test_redis_dedupe import KEYWORD_BOT
    from tests.helpers.slack_app import bot_process

    port = free_port()
    with FakeSlack() as fake:
        env = _keyword_bot_env(fake, port)
        with bot_process([sys.executable, "-c", KEYWORD_BOT], env, tmp_path, port) as (proc, base):
            fake.add_message("C1", "500.000001", "the launch was great")
            fake.fail("conversations.replies", delay=1.5)
            event = payloads.app_mention_event(f"<@{BOT}>", channel="C1", thread_ts="500.000001")
            body = payloads.json_body(payloads.event_callback(event))
            assert post_signed(base + "/slack/events", SECRET, body, "application/json")[0] == 200
            time.sleep(0.5)
            proc.send_signal(signal.SIGTERM)
            _out, err = proc.communicate(timeout=30)
            (reply,) = fake.calls("chat.postMessage")
    assert reply.params["thread_ts"] == "500.000001"
    assert proc.returncode == 0 and "drain_timeout" not in err, err


def test_an_event_type_without_a_listener_is_acked_over_http(served, caplog):
    caplog.set_level(logging.INFO)
    channel_created = {
        "type": "channel_created",
        "channel": {"id": "C9", "name": "secret-plans", "created": 1, "creator": "U1"},
    }
    assert served.send_event(channel_created, event_id="EvOTHERTYPE")[0] == 200
    served.settle()
    assert [c.method for c in served.fake.calls() if c.method != "auth.test"] == []
    assert "not_subscribed=channel_created" in caplog.text
    assert "secret-plans" not in caplog.text
