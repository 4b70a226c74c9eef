"""The production server: the bot under gunicorn with ``gunicorn.conf.py``.

Each test starts a real gunicorn (two gthread workers) in a subprocess, on a free port, against
the fake Slack in this process. Most use the keyword stand-in model through
``keyword_application`` below (the real ``bot.runners.asgi.application()`` with ``load_model``
replaced), so they run before the model artifact exists; the last one serves the shipped model.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest

from bot.console import slack_requests as payloads
from model.artifact import DEFAULT_ARTIFACT
from tests.helpers.fake_slack import FakeSlack
from tests.helpers.slack_app import (
    REPO,
    bot_env,
    bot_process,
    check_http_bot_process,
    free_port,
    post_signed,
)

SECRET = "gunicorn-test-secret"
CONF = str(REPO / "gunicorn.conf.py")
BOT = "UBOT0001"


def keyword_application():
    """gunicorn factory for these tests: ``bot.runners.asgi.application()``, keyword model."""
    import bot.bootstrap
    from bot.runners import asgi
    from tests.helpers.slack_app import KeywordPredictor

    bot.bootstrap.load_model = lambda settings: KeywordPredictor()
    return asgi.application(env_file="none.env")


def gunicorn_argv(app: str | None = "tests.bot.test_gunicorn:keyword_application()") -> list[str]:
    argv = [sys.executable, "-m", "gunicorn", "-c", CONF]
    return argv + ([app] if app else [])


def env_for(fake: FakeSlack, port: int, **extra: str) -> dict[str, str]:
    values = {
        "SLACK_BOT_TOKEN": "xoxb-gunicorn",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.base_url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "GRACEFUL_TIMEOUT": "20",
        # These tests count reactions; the per-workspace budget (split between the workers,
        # 10 at once each) is lifted unless a test sets it (tests/bot/test_reaction_budget.py).
        "REACTIONS_PER_MINUTE": "10000",
        "REACTION_BURST": "10000",
    }
    return bot_env(**{**values, **extra})


def send(base: str, event: dict, **headers: str) -> int:
    body = payloads.json_body(payloads.event_callback(event))
    return post_signed(base + "/slack/events", SECRET, body, "application/json", **headers)[0]


def test_serves_events_and_health_with_two_workers_and_stops_on_sigterm(tmp_path):
    port = free_port()
    with FakeSlack() as fake:
        with bot_process(gunicorn_argv(), env_for(fake, port), tmp_path, port) as (proc, base):
            with urllib.request.urlopen(base + "/healthz", timeout=5) as response:
                assert response.read() == b"ok\n"
            for n in range(6):
                assert send(base, payloads.message_event(f"this is great and good {n}")) == 200
            body = payloads.json_body(payloads.event_callback(payloads.message_event("great")))
            assert post_signed(base + "/slack/events", "wrong", body, "application/json")[0] == 401
            reactions = fake.wait_for("reactions.add", count=6, timeout=10)
            assert {c.params["name"] for c in reactions} == {"slightly_smiling_face"}
            proc.send_signal(signal.SIGTERM)
            _out, err = proc.communicate(timeout=30)
            assert proc.returncode == 0, err
    assert err.count("Booting worker") == 2
    assert "great" not in err  # no message text in any log line


def test_sigterm_lets_acked_events_finish(tmp_path):
    """SIGTERM right after the ack: the slow listener still posts its reply, then exit 0."""
    port = free_port()
    with FakeSlack() as fake:
        with bot_process(gunicorn_argv(), env_for(fake, port), tmp_path, port) as (proc, base):
            fake.add_message("C1", "500.000001", "the launch was great and the team loved it")
            # The reply needs conversations.replies first, which answers after 3 s: the reply
            # can only arrive if the worker keeps running its listener after SIGTERM.
            fake.fail("conversations.replies", delay=3.0)
            event = payloads.app_mention_event(f"<@{BOT}>", channel="C1", thread_ts="500.000001")
            started = time.monotonic()
            assert send(base, event) == 200
            assert time.monotonic() - started < 2.0  # acked before the listener's slow call
            fake.wait_for("auth.test")
            time.sleep(0.3)  # the listener is now inside its slow conversations.replies call
            proc.send_signal(signal.SIGTERM)
            (reply,) = fake.wait_for("chat.postMessage", timeout=15)
            assert reply.params["thread_ts"] == "500.000001"
            _out, err = proc.communicate(timeout=30)
            assert proc.returncode == 0, err
            assert "drained listener work: done" in err


def test_bad_setting_stops_gunicorn_with_one_line(tmp_path):
    port = free_port()
    with FakeSlack() as fake:
        env = env_for(fake, port, SLACK_BOT_TOKEN="xoxp-user-token")
        proc = subprocess.run(
            gunicorn_argv(), env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
        )
    assert proc.returncode == 2
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [
        "error: SLACK_BOT_TOKEN must start with xoxb-: copy the Bot User OAuth Token from your "
        "Slack app's OAuth & Permissions page (not a user or app-level token)"
    ]
    assert "Traceback" not in proc.stderr


def test_concurrent_requests_across_workers(tmp_path):
    port = free_port()
    with FakeSlack() as fake:
        # 80 reactions in one workspace at once: far past Slack's Tier 3 budget, lifted here.
        env = env_for(fake, port, REACTIONS_PER_MINUTE="10000", REACTION_BURST="10000")
        with bot_process(gunicorn_argv(), env, tmp_path, port) as (_proc, base):
            statuses: list[int] = []

            def client(k: int) -> None:
                for n in range(10):
                    event = payloads.message_event(f"so bad and awful {k}-{n}", channel="C2")
                    statuses.append(send(base, event))

            threads = [threading.Thread(target=client, args=(k,)) for k in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert statuses == [200] * 80
            fake.wait_for("reactions.add", count=80, timeout=15)
            time.sleep(0.2)
            assert len(fake.calls("reactions.add")) == 80


def test_the_factory_freezes_what_startup_loaded_before_the_workers_fork(tmp_path):
    """gunicorn's factory ends with ``gc.freeze()``: a full collection in a worker then skips
    the model, the app and the modules loaded in the master (it used to pause that worker's
    acks for 100-500 ms at 1,000 events/s) and leaves those pages shared."""
    code = (
        "import gc, tests.bot.test_gunicorn as g\n"
        "before = gc.get_freeze_count()\n"
        "g.keyword_application()\n"
        "print(before, gc.get_freeze_count())\n"
    )
    with FakeSlack() as fake:
        done = subprocess.run(
            [sys.executable, "-c", code],
            env=env_for(fake, free_port()),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 0, done.stderr[-2000:]
    before, after = map(int, done.stdout.split())
    assert before == 0 and after > 10_000


real_model = pytest.mark.skipif(
    not (DEFAULT_ARTIFACT / "config.json").exists(),
    reason="the shipped model artifact is not trained yet (make train)",
)


@real_model
def test_gunicorn_serves_the_shipped_model(tmp_path):
    """The documented command, `gunicorn -c gunicorn.conf.py`, end to end with the real model."""
    err = check_http_bot_process(
        gunicorn_argv(app=None),
        tmp_path,
        positive="I really loved this, great work team!",
        negative="This is terrible, I hate how broken it is.",
    )
    assert "Booting worker" in err and "Traceback" not in err


# --- hardening (issue 8): slow clients, limits, readiness, settings ---------------------------


def test_acks_while_eight_slow_clients_hold_connections(tmp_path):
    """`make serve`'s shape (2 workers x 4 threads) used to ack nothing while eight clients sat
    on a half-sent body; on the asyncio worker a signed event is still acked at once."""
    from benchmarks.slow_clients import slow_clients

    port = free_port()
    with FakeSlack() as fake:
        env = env_for(fake, port, GUNICORN_THREADS="4")
        with bot_process(gunicorn_argv(), env, tmp_path, port) as (_proc, base):
            with slow_clients(base, 8), slow_clients(base, 8, headers_only=True):
                time.sleep(0.3)
                for n in range(4):
                    started = time.monotonic()
                    assert send(base, payloads.message_event(f"great and good {n}")) == 200
                    assert time.monotonic() - started < 3.0  # Slack's window; bench: < 1 s
                fake.wait_for("reactions.add", count=4, timeout=10)


def test_limits_readiness_and_junk_under_gunicorn(tmp_path):
    from benchmarks.slow_clients import raw_request

    port = free_port()
    with FakeSlack() as fake:
        with bot_process(gunicorn_argv(), env_for(fake, port), tmp_path, port) as (proc, base):
            head = (
                "POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                f"Content-Length: {50 * 1024 * 1024}\r\n\r\n"
            )
            assert raw_request(base, head) == 413  # answered from the headers alone
            with urllib.request.urlopen(base + "/readyz", timeout=5) as response:
                assert response.read() == b"ready\n"
            for body in (b"[1]", b"{" * 5000, b"\xff\xfe", b'{"type": "event_callback"'):
                stamp = {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=1"}
                request = urllib.request.Request(base + "/slack/events", body, stamp, method="POST")
                try:
                    urllib.request.urlopen(request, timeout=5)
                    raise AssertionError("junk was accepted")
                except urllib.error.HTTPError as err:
                    assert err.code == 401
            assert {c.method for c in fake.calls()} <= {"auth.test"}
            proc.terminate()
            _out, err = proc.communicate(timeout=30)
    assert "Traceback" not in err
    assert "will be unused" not in err  # Bolt's client/token warning is gone


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("WEB_CONCURRENCY", "abc"),
        ("WEB_CONCURRENCY", "0"),
        ("GUNICORN_THREADS", "abc"),
        ("GUNICORN_THREADS", "0"),
        ("GRACEFUL_TIMEOUT", "abc"),
        ("GRACEFUL_TIMEOUT", "-1"),
    ],
)
def test_bad_gunicorn_setting_is_one_line_and_exit_2(tmp_path, name, value):
    # gunicorn parses WEB_CONCURRENCY itself at import, before any config file: a non-number
    # there can only be caught by the check `make serve` runs first.
    preflight = [sys.executable, "-m", "bot.runners.gunicorn_config"]
    argv = preflight if (name, value) == ("WEB_CONCURRENCY", "abc") else gunicorn_argv()
    with FakeSlack() as fake:
        env = env_for(fake, free_port(), **{name: value})
        proc = subprocess.run(
            argv, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
        )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {name} must be"), lines
    assert repr(value) in lines[0]


def test_port_in_use_and_bad_host_are_one_line_and_exit_2(tmp_path):
    import socket

    with FakeSlack() as fake, socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        cases = {
            "in use": (env_for(fake, taken), f"error: port {taken} on 127.0.0.1 is already in use"),
            "bad host": (
                env_for(fake, free_port(), HOST="10.255.255.254"),
                "error: HOST=10.255.255.254 is not an address of this machine",
            ),
            "unknown host": (
                env_for(fake, free_port(), HOST="no-such-host.invalid"),
                "error: HOST=no-such-host.invalid is not an address of this machine",
            ),
        }
        for argv in (gunicorn_argv(), [sys.executable, "-m", "bot"]):
            for case, (env, expected) in cases.items():
                proc = subprocess.run(
                    argv, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
                )
                assert proc.returncode == 2, (argv, case, proc.stderr)
                lines = proc.stderr.strip().splitlines()
                assert len(lines) == 1 and lines[0].startswith(expected), (argv, case, lines)
