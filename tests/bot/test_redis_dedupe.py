"""The shared record of handled events in a real Redis server, and replicas that share it.

Each test module run starts its own ``redis-server`` on a free port (no persistence), so nothing
depends on a system service; ``.ci/run`` installs Debian's redis-server when it is missing.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from bot.console import slack_requests as payloads
from bot.delivery.host_record import HostSeenEvents
from bot.delivery.records import seen_events_for
from bot.delivery.redis_record import KEY_PREFIX, RedisSeenEvents, make_redis_client
from bot.delivery.seen_events import MemorySeenEvents
from bot.settings import settings_from_env
from tests.helpers.fake_slack import FakeSlack
from tests.helpers.slack_app import bot_env, bot_process, free_port, post_signed

REDIS_SERVER = shutil.which("redis-server")
needs_redis = pytest.mark.skipif(
    REDIS_SERVER is None, reason="redis-server is not installed (apt-get install redis-server)"
)
SECRET = "redis-test-secret"


@contextmanager
def redis_server(port: int | None = None) -> Iterator[str]:
    """A throwaway redis-server on 127.0.0.1; yields its URL."""
    port = port or free_port()
    proc = subprocess.Popen(
        [
            REDIS_SERVER,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = make_redis_client(url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except Exception:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.05)
        client.close()
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    with redis_server() as url:
        yield url


def test_settings_pick_the_store_and_the_retry_policy():
    assert isinstance(seen_events_for("", 60), MemorySeenEvents)
    assert isinstance(seen_events_for("redis://127.0.0.1:1/0", 60), RedisSeenEvents)
    assert isinstance(seen_events_for("", 60, "/tmp/x.sqlite3"), HostSeenEvents)
    assert isinstance(seen_events_for("redis://r/0", 60, "/tmp/x.sqlite3"), RedisSeenEvents)
    assert settings_from_env({}).process_slack_retries  # auto: every record sees every delivery
    shared = settings_from_env({"REDIS_URL": "redis://r:6379/0"})
    assert shared.redis_url == "redis://r:6379/0" and shared.process_slack_retries
    forced = settings_from_env({"REDIS_URL": "redis://r/0", "PROCESS_SLACK_RETRIES": "false"})
    assert not forced.process_slack_retries
    assert settings_from_env({"PROCESS_SLACK_RETRIES": "true"}).process_slack_retries
    for bad in (
        "localhost:6379",
        "redis://h:notaport/0",
        "redis://h:6379/zero",
        "redis:///0",
        "redis://h:99999/0",
        "http://h:6379/0",
    ):
        with pytest.raises(ValueError, match="REDIS_URL must look like redis://"):
            settings_from_env({"REDIS_URL": bad})
    for good in ("redis://h", "rediss://:pw@h:6380/2", "unix:///run/redis.sock?db=1"):
        assert settings_from_env({"REDIS_URL": good}).redis_url == good
    with pytest.raises(ValueError, match="PROCESS_SLACK_RETRIES must be auto, true or false"):
        settings_from_env({"PROCESS_SLACK_RETRIES": "sometimes"})


@needs_redis
def test_first_time_then_duplicate_with_ttl(redis_url):
    seen = RedisSeenEvents(redis_url, ttl_seconds=120, prefix="t1:")
    assert seen.first_time("Ev1")
    assert not seen.first_time("Ev1")
    assert seen.first_time("Ev2")
    client = make_redis_client(redis_url)
    ttl = client.ttl("t1:Ev1")
    assert 0 < ttl <= 120  # SET ... EX: Redis forgets the event by itself
    client.close()
    seen.close()


@needs_redis
def test_two_replicas_one_winner(redis_url):
    """Two processes' records (separate clients) racing on the same events: one winner each."""
    replicas = [RedisSeenEvents(redis_url, prefix="t2:") for _ in range(2)]
    wins: list[tuple[int, str]] = []
    barrier = threading.Barrier(8)

    def race(n: int) -> None:
        barrier.wait()
        for k in range(50):
            if replicas[n % 2].first_time(f"Ev{k}"):
                wins.append((n, f"Ev{k}"))

    threads = [threading.Thread(target=race, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(key for _, key in wins) == sorted(f"Ev{k}" for k in range(50))
    for replica in replicas:
        replica.close()


@needs_redis
def test_outage_falls_back_counts_and_recovers_within_a_second(caplog):
    """A Redis outage: local decisions, counted; back in Redis within a second of its return."""
    caplog.set_level(logging.INFO, logger="bot.delivery.seen_events")
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    seen = RedisSeenEvents(url, prefix="t3:")
    with redis_server(port):
        assert seen.first_time("EvBEFORE")
    # Redis is gone: every call still answers at once, from this process's own record.
    started = time.monotonic()
    assert seen.first_time("EvA")
    assert not seen.first_time("EvA")
    assert seen.first_time("EvB")
    assert not seen.first_time("EvBEFORE")
    assert time.monotonic() - started < 2.0
    assert seen.down and seen.handled_without_redis == 2
    warnings = [r for r in caplog.records if "dedupe_store_unavailable" in r.getMessage()]
    assert len(warnings) == 1  # logged once per outage, not once per event
    assert "127.0.0.1" not in warnings[0].getMessage()  # no URL (it can carry a password)
    with redis_server(port):
        back = time.monotonic()  # redis_server() yields once the server answers PING
        while seen.down and time.monotonic() - back < 5:
            time.sleep(0.01)
        recovered_after = time.monotonic() - back
        assert not seen.down
        assert recovered_after < 1.0, f"Redis used again only {recovered_after:.2f} s after"
        (line,) = [r.getMessage() for r in caplog.records if "dedupe_store_recovered" in r.msg]
        assert "handled_without_it=2" in line and "written_back=2" in line
        assert seen.first_time("EvC")
        other = RedisSeenEvents(url, prefix="t3:")  # another replica
        assert not other.first_time("EvC")  # shared again
        assert not other.first_time("EvA")  # handled during the outage, written back
        other.close()
    seen.close()


@needs_redis
def test_a_broken_redis_never_slows_every_ack():
    port = free_port()
    seen = RedisSeenEvents(f"redis://127.0.0.1:{port}/0")
    started = time.monotonic()
    for n in range(200):
        assert seen.first_time(f"Ev{n}")
    assert time.monotonic() - started < 2.0  # one failed connect, then the local record
    seen.close()


# --- two app processes sharing one Redis -------------------------------------------------------

KEYWORD_BOT = (
    "import sys, bot.bootstrap, tests.helpers.slack_app; "
    "bot.bootstrap.load_model = lambda settings: tests.helpers.slack_app.KeywordPredictor(); "
    "from bot.__main__ import main; sys.exit(main(['--env-file', 'none.env']))"
)


@needs_redis
def test_two_app_processes_same_event_exactly_one_reaction(redis_url, tmp_path):
    """Two replicas behind a load balancer get the same event (and Slack's redeliveries)."""
    with FakeSlack() as fake:
        ports = [free_port(), free_port()]
        envs = [
            bot_env(
                SLACK_BOT_TOKEN="xoxb-replica",
                SLACK_SIGNING_SECRET=SECRET,
                SLACK_API_URL=fake.base_url,
                HOST="127.0.0.1",
                PORT=str(port),
                REDIS_URL=redis_url,
            )
            for port in ports
        ]
        argv = [sys.executable, "-c", KEYWORD_BOT]
        with (
            bot_process(argv, envs[0], tmp_path, ports[0]) as (proc_a, base_a),
            bot_process(argv, envs[1], tmp_path, ports[1]) as (proc_b, base_b),
        ):
            urls = [base_a + "/slack/events", base_b + "/slack/events"]

            def deliver(url: str, event: dict, event_id: str, **headers: str) -> int:
                body = payloads.json_body(payloads.event_callback(event, event_id=event_id))
                return post_signed(url, SECRET, body, "application/json", **headers)[0]

            # 1. The same delivery reaches both replicas at once: one reaction.
            same = payloads.message_event("this is great and good", channel="C1")
            statuses: list[int] = []
            barrier = threading.Barrier(2)

            def race(url: str) -> None:
                barrier.wait()
                statuses.append(deliver(url, same, "EvSHARED1"))

            threads = [threading.Thread(target=race, args=(url,)) for url in urls]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert statuses == [200, 200]
            # 2. Slack's redelivery of it lands on the other replica: still one reaction.
            retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
            assert deliver(urls[1], same, "EvSHARED1", **retry) == 200
            # 3. An event whose first delivery was lost (say, in a restart) is not lost: its
            #    redelivery is answered, once, however many replicas see it.
            lost = payloads.message_event("so bad and awful", channel="C1")
            assert deliver(urls[0], lost, "EvLOST1", **retry) == 200
            assert deliver(urls[1], lost, "EvLOST1", **{**retry, "X-Slack-Retry-Num": "2"}) == 200
            fake.wait_for("reactions.add", count=2, timeout=10)
            time.sleep(0.5)  # time for any wrong second reaction to show up
            reactions = fake.calls("reactions.add")
            assert sorted((c.params["timestamp"], c.params["name"]) for c in reactions) == sorted(
                [(same["ts"], "slightly_smiling_face"), (lost["ts"], "slightly_frowning_face")]
            )
            for proc in (proc_a, proc_b):
                proc.terminate()
                _out, err = proc.communicate(timeout=10)
                assert "dedupe_store_unavailable" not in err
                assert "duplicate_dropped" in err or "handled" in err
    client = make_redis_client(redis_url)
    assert client.exists(KEY_PREFIX + "EvSHARED1") and client.exists(KEY_PREFIX + "EvLOST1")
    client.close()
