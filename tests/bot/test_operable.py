"""Issue 18 through real processes: gunicorn masters and workers, ``python -m bot``, the digest
job, a redis-server and a PostgreSQL server started here, killed and restarted.

- one host record for every process on a host (two masters; a Redis outage with two workers);
- fail fast on a database that will not heal, retry (and show it) what can;
- ``/metrics``, ``LOG_FORMAT=json``, the 404 and ``app_rate_limited`` lines;
- a SIGTERM's abandoned list names only work that did not reach Slack.
"""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.console import slack_requests as payloads
from tests.bot.test_gunicorn import SECRET, env_for, gunicorn_argv
from tests.bot.test_redis_dedupe import KEYWORD_BOT, REDIS_SERVER, redis_server
from tests.helpers.fake_slack import FakeSlack
from tests.helpers.slack_app import bot_env, bot_process, free_port, post_signed

BOT = "UBOT0001"
PYTHON_M_BOT = [sys.executable, "-c", KEYWORD_BOT]


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def deliver(base: str, event: dict, event_id: str, **headers: str) -> int:
    """One signed delivery, on a new connection (urllib opens one per request)."""
    body = payloads.json_body(payloads.event_callback(event, event_id=event_id))
    return post_signed(base + "/slack/events", SECRET, body, "application/json", **headers)[0]


RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}


def metric(text: str, name: str, **labels: str) -> float:
    """The sum of the samples of ``name`` whose labels include ``labels``."""
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name):
            continue
        match = re.match(r"([a-zA-Z_:]+)(\{[^}]*\})? (\S+)", line)
        if not match or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(2) or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            total += float(match.group(3))
    return total


def stop(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=30)
    return err


# --- 1. one host record for every process on the host ----------------------------------------


def test_two_gunicorn_masters_on_one_host_answer_a_redelivery_once(tmp_path):
    """Blue/green on one VM: original to one master, redelivery to the other; then a restart."""
    with FakeSlack() as fake:
        ports = [free_port(), free_port()]
        envs = [env_for(fake, port) for port in ports]
        mentions = []
        with (
            bot_process(gunicorn_argv(), envs[0], tmp_path, ports[0]) as (blue, base_a),
            bot_process(gunicorn_argv(), envs[1], tmp_path, ports[1]) as (green, base_b),
        ):
            for n in range(5):
                event = payloads.app_mention_event(f"<@{BOT}> so great and good {n}")
                mentions.append(event)
                assert deliver(base_a, event, f"EvBLUE{n}") == 200
                assert deliver(base_b, event, f"EvBLUE{n}", **RETRY) == 200
            fake.wait_for("chat.postMessage", count=5, timeout=15)
            time.sleep(0.5)
            assert len(fake.calls("chat.postMessage")) == 5
            stop(blue)
        # Restarted: the record is on disk under the working directory, not in the old master.
        assert (tmp_path / "data" / "handled-events.sqlite3").exists()
        with bot_process(gunicorn_argv(), envs[0], tmp_path, ports[0]) as (again, base_a):
            for n, event in enumerate(mentions):
                assert deliver(base_a, event, f"EvBLUE{n}", **{**RETRY, "X-Slack-Retry-Num": "2"})
            time.sleep(1.0)
            assert len(fake.calls("chat.postMessage")) == 5
            stop(again)


needs_redis = pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed")


@needs_redis
def test_redis_outage_with_two_workers_no_duplicate_and_visible(tmp_path):
    """Redis dies under gunicorn (2 workers): mention + redelivery on a new connection are
    answered once (the host record decides), /readyz and /metrics say so; Redis back: it is
    used again. A bot started while Redis is down starts degraded instead of crash-looping."""
    redis_port = free_port()
    url = f"redis://127.0.0.1:{redis_port}/0"
    with FakeSlack() as fake:
        port = free_port()
        env = env_for(fake, port, REDIS_URL=url)
        with redis_server(redis_port):
            proc_cm = bot_process(gunicorn_argv(), env, tmp_path, port)
            proc, base = proc_cm.__enter__()
            assert deliver(base, payloads.message_event("this is great and good"), "EvUP1") == 200
        try:
            # Redis is gone now.
            for n in range(8):
                event = payloads.app_mention_event(f"<@{BOT}> awful and bad {n}")
                assert deliver(base, event, f"EvDOWN{n}") == 200
                assert deliver(base, event, f"EvDOWN{n}", **RETRY) == 200
            fake.wait_for("chat.postMessage", count=8, timeout=15)
            time.sleep(0.5)
            assert len(fake.calls("chat.postMessage")) == 8
            ready = [get(base + "/readyz") for _ in range(6)]  # both workers, probably
            assert all(status == 200 for status, _ in ready)
            assert any("degraded: dedupe=host_file" in body for _, body in ready), ready
            _, text = get(base + "/metrics")
            assert metric(text, "slackbot_dedupe_fallbacks_total", store="redis") >= 1
            assert metric(text, "slackbot_dedupe_duplicates_total", reason="event_id") >= 8
            with redis_server(redis_port):
                time.sleep(1.5)  # the probe finds it and writes back
                assert (
                    deliver(base, payloads.message_event("this is great and good"), "EvBACK1")
                    == 200
                )
                fake.wait_for("reactions.add", count=2, timeout=10)
                deadline = time.monotonic() + 5
                while time.monotonic() < deadline:
                    if all("degraded" not in get(base + "/readyz")[1] for _ in range(4)):
                        break
                    time.sleep(0.2)
                assert "degraded" not in get(base + "/readyz")[1]
        finally:
            proc_cm.__exit__(None, None, None)
        # Started while Redis is down: up, degraded, answering; a wrong password: exit 2.
        port = free_port()
        env = env_for(fake, port, REDIS_URL=url)
        with bot_process(gunicorn_argv(), env, tmp_path, port) as (proc, base):
            # degraded from the start, before any event met the outage
            ready = [get(base + "/readyz") for _ in range(4)]
            assert all("degraded: dedupe=host_file" in body for _, body in ready), ready
            assert deliver(base, payloads.message_event("this is great and good"), "EvCOLD1") == 200
            assert (
                deliver(base, payloads.message_event("this is great and good"), "EvCOLD1", **RETRY)
                == 200
            )
            time.sleep(0.5)
            assert get(base + "/readyz")[0] == 200
            with redis_server(redis_port):  # Redis comes up: each worker's probe finds it
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline:
                    if all("degraded" not in get(base + "/readyz")[1] for _ in range(4)):
                        break
                    time.sleep(0.2)
                assert all("degraded" not in get(base + "/readyz")[1] for _ in range(4))
            err = stop(proc)
        assert "starting=degraded" in err
    with redis_server() as good_url:
        from redis import Redis

        client = Redis.from_url(good_url)
        client.config_set("requirepass", "s3cret-pw")
        port = free_port()
        done = subprocess.run(
            gunicorn_argv(),
            env=_env_no_fake(port, good_url),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "refused the bot (AuthenticationError)" in errors[0], errors


def _env_no_fake(port: int, redis_url: str) -> dict[str, str]:
    return bot_env(
        SLACK_BOT_TOKEN="xoxb-gunicorn",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL="http://127.0.0.1:9/api/",
        HOST="127.0.0.1",
        PORT=str(port),
        WEB_CONCURRENCY="1",
        REDIS_URL=redis_url,
    )


# --- 2/3. fail fast on a database that will not heal --------------------------------------------


@pytest.fixture(scope="module")
def postgres() -> Iterator[tuple[str, str]]:
    """A PostgreSQL with password auth: yields (the right URL, the server's port)."""
    from benchmarks.postgres import PostgresServer, postgres_bin

    if postgres_bin() is None:
        pytest.skip("PostgreSQL is not installed")
    import psycopg

    with PostgresServer() as server:
        dsn = f"host=127.0.0.1 port={server.port} user=postgres dbname=postgres"
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute("ALTER USER postgres PASSWORD 'right-pw'")
            connection.execute("CREATE DATABASE botdb")
        hba = server.data / "pg_hba.conf"
        hba.write_text("local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n")
        server._run("pg_ctl", "-D", str(server.data), "reload")
        time.sleep(0.5)
        yield f"postgresql://postgres:right-pw@127.0.0.1:{server.port}/botdb", str(server.port)


def _future_sqlite(folder: Path) -> str:
    """A SQLite database migrated by a release newer than this code."""
    path = folder / "future.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        connection.execute("INSERT INTO alembic_version VALUES ('0099_from_the_future')")
    return f"sqlite:///{path}"


def _start(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str]:
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=90)
    return done.returncode, done.stderr


def test_a_database_that_will_not_heal_stops_every_entry_point(tmp_path, postgres):
    right, pg_port = postgres
    cases = {
        "wrong password": (right.replace("right-pw", "wrong-pw"), "wrong password or user"),
        "unknown database": (right.replace("/botdb", "/nodb"), "unknown database"),
        "malformed URL": (
            "postgresql://postgres:right-pw@127.0.0.1:notaport/botdb",
            "malformed URL",
        ),
        "schema newer": (_future_sqlite(tmp_path), "newer than this code"),
    }
    with FakeSlack() as fake:
        for name, (database_url, cause) in cases.items():
            port = free_port()
            env = env_for(fake, port, DATABASE_URL=database_url, WEB_CONCURRENCY="1")
            for label, argv in (
                ("gunicorn", gunicorn_argv()),
                ("python -m bot", PYTHON_M_BOT),
                ("digest", [sys.executable, "-m", "bot", "digest"]),
            ):
                code, err = _start(argv, env, tmp_path)
                errors = [line for line in err.splitlines() if line.startswith("error: ")]
                assert code == 2, (name, label, err)
                assert len(errors) == 1 and cause in errors[0], (name, label, err)
                assert "right-pw" not in err and "wrong-pw" not in err, (name, label)
                assert "Traceback" not in err, (name, label, err)


def test_a_database_that_is_down_is_retried_and_shown_then_written(tmp_path, postgres):
    """Refused (the server is down): gunicorn stays up, /readyz says degraded with the counts
    waiting; the digest job exits 1 (the next run retries)."""
    right, _pg = postgres
    dead = f"postgresql://postgres:right-pw@127.0.0.1:{free_port()}/botdb"
    with FakeSlack() as fake:
        port = free_port()
        env = env_for(fake, port, DATABASE_URL=dead, WEB_CONCURRENCY="1")
        with bot_process(gunicorn_argv(), env, tmp_path, port) as (proc, base):
            event = payloads.message_event("this is great and good", channel="C1")
            assert deliver(base, event, "EvDBDOWN1") == 200
            fake.wait_for("reactions.add", timeout=10)
            status, body = get(base + "/readyz")
            assert status == 200 and "degraded: database mood_pending=" in body, body
            _, text = get(base + "/metrics")
            assert metric(text, "slackbot_database_up") == 0
            err = stop(proc)
        assert "cause=connection_refused" in err
        # Not three times a second. The lines themselves on failure: a full-suite run saw 5
        # once (pid and cause of each tell a respawned worker from a repeated cause).
        logged = [line for line in err.splitlines() if "database_unavailable" in line]
        assert len(logged) <= 2, "\n".join(logged)
        code, err = _start(
            [sys.executable, "-m", "bot", "digest"],
            env_for(fake, port, DATABASE_URL=dead),
            tmp_path,
        )
        assert code == 1 and "connection refused: the next run retries" in err, err


# --- metrics, logs, app_rate_limited -----------------------------------------------------------


def test_metrics_json_logs_404_and_app_rate_limited_under_gunicorn(tmp_path):
    with FakeSlack() as fake:
        port = free_port()
        env = env_for(fake, port, LOG_FORMAT="json")
        with bot_process(gunicorn_argv(), env, tmp_path, port) as (proc, base):
            for n in range(4):
                assert (
                    deliver(base, payloads.message_event(f"this is great and good {n}"), f"EvM{n}")
                    == 200
                )
            fake.wait_for("reactions.add", count=4, timeout=10)
            limited = json.dumps(
                {
                    "token": "legacy",
                    "type": "app_rate_limited",
                    "team_id": "T0000FAKE",
                    "minute_rate_limited": 1518467820,
                    "api_app_id": "A0000FAKE",
                }
            )
            url = base + "/slack/events"
            assert post_signed(url, SECRET, limited, "application/json")[0] == 200
            assert get(base + "/slack/event?token=s3cret-in-query")[0] == 404
            assert post_signed(url, "wrong-secret", limited, "application/json")[0] == 401
            time.sleep(0.3)
            status, text = get(base + "/metrics")
            assert status == 200 and "# TYPE slackbot_events_total counter" in text
            assert metric(text, "slackbot_events_total", surface="message") >= 4
            assert metric(text, "slackbot_slack_api_calls_total", method="reactions.add") >= 4
            assert metric(text, "slackbot_ack_seconds_count", mode="http") >= 5
            assert metric(text, "slackbot_listener_seconds_count", surface="message") >= 4
            assert metric(text, "slackbot_app_rate_limited_total") == 1
            err = stop(proc)
    lines = [line for line in err.splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all({"time", "level", "pid", "logger"} <= set(r) for r in records)
    assert any(
        r["logger"].startswith("gunicorn") and "Booting worker" in r.get("message", "")
        for r in records
    )
    (limited_line,) = [r for r in records if r.get("event") == "app_rate_limited"]
    assert limited_line["level"] == "WARNING" and limited_line["minute"] == 1518467820
    (not_found,) = [r for r in records if r.get("event") == "not_found"]
    assert not_found["path"] == "/slack/event" and "s3cret" not in err
    assert any(
        r.get("event") == "invalid_signature" and r["reason"] == "wrong_signature" for r in records
    )
    assert any(r.get("event") == "handled" and r.get("event_id") == "EvM0" for r in records)
    assert "great" not in err  # no message text, in JSON either


def test_python_m_bot_metrics_off_and_startup_line(tmp_path):
    with FakeSlack() as fake:
        port = free_port()
        env = bot_env(
            SLACK_BOT_TOKEN="xoxb-1",
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=fake.base_url,
            HOST="127.0.0.1",
            PORT=str(port),
            METRICS="off",
        )
        with bot_process(PYTHON_M_BOT, env, tmp_path, port) as (proc, base):
            assert get(base + "/metrics")[0] == 404
            fields = payloads.slash_command("great", response_url=fake.response_url())
            status, _ = post_signed(
                base + "/slack/events",
                SECRET,
                payloads.form_body(fields),
                "application/x-www-form-urlencoded",
            )
            assert status == 200
            fake.wait_for("response_url", timeout=10)
            time.sleep(0.2)
            err = stop(proc)
    assert f"http_mode listening=127.0.0.1:{port} routes=/slack/events,/healthz,/readyz\n" in err
    assert "[redacted]" not in err
    assert re.search(r"INFO pid=\d+ ", err)
    handled = [line for line in err.splitlines() if "handled surface=command" in line]
    assert handled and all(f"trigger_id={fields['trigger_id']}" in line for line in handled)


# --- 4. a true abandoned list -----------------------------------------------------------------


def test_sigterm_abandoned_list_names_only_work_that_did_not_reach_slack(tmp_path):
    """A backlog at SIGTERM: what the drain gives up on is split into abandoned (never sent)
    and in flight (sent, no answer yet); no abandoned event ever reaches Slack."""
    with FakeSlack() as fake:
        port = free_port()
        env = env_for(fake, port, WEB_CONCURRENCY="1", LISTENER_THREADS="2", GRACEFUL_TIMEOUT="3")
        fake.fail("reactions.add", delay=1.2, times=100)
        with bot_process(gunicorn_argv(), env, tmp_path, port) as (proc, base):
            ts_of = {}
            for n in range(12):
                event = payloads.message_event(f"this is great and good {n}", channel="C1")
                ts_of[f"EvBACKLOG{n}"] = event["ts"]
                assert deliver(base, event, f"EvBACKLOG{n}") == 200
            proc.send_signal(signal.SIGTERM)
            _out, err = proc.communicate(timeout=30)
        time.sleep(2.0)  # calls in flight at the deadline land now
        reacted = {c.params["timestamp"] for c in fake.calls("reactions.add")}
    match = re.search(r"abandoned=(\d+) ids=(\S+) in_flight=(\d+) in_flight_ids=(\S+)", err)
    assert match, err
    abandoned = set(match.group(2).split(",")) - {"none"}
    in_flight = set(match.group(4).split(",")) - {"none"}
    assert abandoned, err  # the backlog was not all done
    assert not {ts_of[e] for e in abandoned} & reacted  # nothing "abandoned" reached Slack
    done = {e for e, ts in ts_of.items() if ts in reacted} - in_flight
    assert done | abandoned | in_flight == set(ts_of)
    assert proc.returncode == 1


def test_socket_mode_serves_health_and_metrics_on_port(tmp_path):
    """Socket Mode has no Slack HTTP endpoint: PORT still answers probes and scrapes."""
    from tests.helpers.slack_app import SocketSlack

    ws = SocketSlack()
    try:
        with FakeSlack(socket_url=f"ws://127.0.0.1:{ws.port}/link/?ticket=t-1") as fake:
            port = free_port()
            env = bot_env(
                SLACK_BOT_TOKEN="xoxb-socket",
                SLACK_APP_TOKEN="xapp-1-socket",
                SLACK_API_URL=fake.base_url,
                HOST="127.0.0.1",
                PORT=str(port),
            )
            with bot_process(PYTHON_M_BOT, env, tmp_path, port) as (proc, base):
                assert ws.connected.wait(10)
                event = payloads.event_callback(
                    payloads.message_event("this is great and good"), event_id="EvSOCK1"
                )
                ws.ack_for(ws.send("events_api", event))
                fake.wait_for("reactions.add", timeout=10)
                assert get(base + "/readyz") == (200, "ready\n")
                deadline = time.monotonic() + 5  # the handled line comes after the reaction
                while time.monotonic() < deadline:
                    status, text = get(base + "/metrics")
                    if metric(text, "slackbot_events_total", surface="message"):
                        break
                    time.sleep(0.05)
                assert status == 200
                assert metric(text, "slackbot_ack_seconds_count", mode="socket") >= 1
                assert metric(text, "slackbot_events_total", surface="message") >= 1
                assert get(base + "/slack/events")[0] == 404
                err = stop(proc)
        assert f"health_server listening=127.0.0.1:{port} routes=/healthz,/readyz,/metrics" in err
    finally:
        ws.close()
