"""Kept-alive connections to Slack (bot.slack.keepalive), through slack_sdk's real WebClient.

A small HTTP/1.1 server on 127.0.0.1 counts the connections it accepts and the requests it
reads, and can misbehave on demand: close an idle connection, drop a request unanswered,
answer 429 or answer too late.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.console.fake_slack import FakeSlack
from bot.slack.keepalive import (
    ConnectionPool,
    KeepAliveHTTPHandler,
    KeepAliveHTTPSHandler,
)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        self.connections = 0
        self.requests: list[str] = []
        self.plan: list[str] = []  # what to do with the next requests: ok, close, drop, 429, slow
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def setup(self) -> None:
                super().setup()
                with server.lock:
                    server.connections += 1

            def do_POST(self) -> None:  # noqa: N802 - stdlib name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                with server.lock:
                    server.requests.append(body)
                    step = server.plan.pop(0) if server.plan else "ok"
                if step == "drop":  # read it, then hang up without an answer
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if step == "slow":
                    time.sleep(1.5)
                status = 429 if step == "429" else 200
                payload = json.dumps(
                    {"ok": status == 200, **({} if status == 200 else {"error": "ratelimited"})}
                ).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                if status == 429:
                    self.send_header("Retry-After", "7")
                try:
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:  # the client gave up (the timeout test)
                    self.close_connection = True
                    return
                if step == "close":  # as a server whose idle timeout ran out: no header, just gone
                    self.close_connection = True

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/api/"


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def pool(monkeypatch: pytest.MonkeyPatch) -> ConnectionPool:
    """A pool behind the opener urlopen uses, for this test only (as ``use_keepalive`` does)."""
    pool = ConnectionPool()
    opener = urllib.request.build_opener(KeepAliveHTTPHandler(pool), KeepAliveHTTPSHandler(pool))
    monkeypatch.setattr(urllib.request, "_opener", opener)
    return pool


def client(base_url: str, timeout: int = 5) -> WebClient:
    return WebClient(token="xoxb-test", base_url=base_url, timeout=timeout, retry_handlers=[])


def test_calls_share_one_connection(server: Server, pool: ConnectionPool) -> None:
    web = client(server.base_url)
    for _ in range(5):
        assert web.reactions_add(channel="C1", timestamp="1.0", name="tada")["ok"]
    assert server.connections == 1
    assert len(server.requests) == 5
    assert pool.idle() == 1


def test_without_the_pool_each_call_opens_a_connection(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The negative control: urllib's own opener (what slack_sdk gets by default)."""
    monkeypatch.setattr(urllib.request, "_opener", urllib.request.build_opener())
    web = client(server.base_url)
    for _ in range(3):
        web.reactions_add(channel="C1", timestamp="1.0", name="tada")
    assert server.connections == 3


def test_only_slack_sdk_calls_are_kept_alive(server: Server, pool: ConnectionPool) -> None:
    """Anything else in the process that uses urllib (a test posting to the bot, a health
    probe) keeps urllib's one-request connections, so it never holds a server's worker open."""
    for _ in range(2):
        request = urllib.request.Request(server.base_url + "x", data=b"a=1", method="POST")
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200
    assert server.connections == 2
    assert pool.idle() == 0


def test_a_connection_the_server_closed_is_not_reused(server: Server, pool: ConnectionPool) -> None:
    web = client(server.base_url)
    server.plan = ["close"]
    web.chat_postMessage(channel="C1", text="one")
    time.sleep(0.1)  # the close reaches the client before the next call
    web.chat_postMessage(channel="C1", text="two")
    assert server.connections == 2
    assert len(server.requests) == 2  # each sent once: the dead connection was never written to


def test_a_reused_connection_dropped_mid_call_is_retried_once_on_a_new_one(
    server: Server, pool: ConnectionPool
) -> None:
    web = client(server.base_url)
    web.chat_postMessage(channel="C1", text="one")
    server.plan = ["drop"]
    assert web.chat_postMessage(channel="C1", text="two")["ok"]
    assert server.connections == 2


def test_a_new_connection_dropped_mid_call_is_an_error_not_a_retry(
    server: Server, pool: ConnectionPool
) -> None:
    """Only a reused connection may have gone stale; a fresh one failing is Slack's failure,
    left to slack_sdk's retry policy (none here)."""
    server.plan = ["drop"]
    with pytest.raises(Exception) as err:
        client(server.base_url).chat_postMessage(channel="C1", text="one")
    assert not isinstance(err.value, SlackApiError)
    assert len(server.requests) == 1
    assert pool.idle() == 0


def test_http_errors_reach_slack_sdk_as_from_urllib(server: Server, pool: ConnectionPool) -> None:
    server.plan = ["429"]
    with pytest.raises(SlackApiError) as err:
        client(server.base_url).reactions_add(channel="C1", timestamp="1.0", name="tada")
    assert err.value.response.status_code == 429
    assert err.value.response.headers.get("Retry-After") == "7"
    assert err.value.response["error"] == "ratelimited"


def test_a_read_timeout_raises_and_the_connection_is_not_kept(
    server: Server, pool: ConnectionPool
) -> None:
    server.plan = ["slow"]
    with pytest.raises(TimeoutError):
        client(server.base_url, timeout=1).chat_postMessage(channel="C1", text="late")
    assert pool.idle() == 0
    assert len(server.requests) == 1  # a timeout is not retried here: Slack may have posted it


def test_the_pool_is_bounded_per_host_and_in_all() -> None:
    pool = ConnectionPool(per_host=2, in_all=3)
    closed: list[int] = []

    class Conn:
        def __init__(self, n: int) -> None:
            self.n = n
            self.sock = None

        def close(self) -> None:
            closed.append(self.n)

    for n in range(3):
        pool.give(("http", "a"), Conn(n))  # type: ignore[arg-type]
    assert pool.idle() == 2 and closed == [0]  # the oldest of host a went
    for n in range(3, 5):
        pool.give(("http", "b"), Conn(n))  # type: ignore[arg-type]
    assert pool.idle() == 3 and closed == [0, 1]  # then the oldest of all (a's)


def test_idle_connections_past_their_age_are_closed_not_used(
    server: Server, pool: ConnectionPool
) -> None:
    web = client(server.base_url)
    web.chat_postMessage(channel="C1", text="one")
    pool.idle_seconds = 0.0
    web.chat_postMessage(channel="C1", text="two")
    assert server.connections == 2


def test_a_stopped_fake_slack_answers_no_one(pool: ConnectionPool) -> None:
    fake = FakeSlack().start()
    web = client(fake.base_url)
    assert web.auth_test()["ok"]
    fake.stop()
    with pytest.raises(Exception) as err:
        web.auth_test()
    assert not isinstance(err.value, SlackApiError)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_starts_with_an_empty_pool(server: Server) -> None:
    from bot.slack import keepalive

    saved = (keepalive._installed, urllib.request._opener)  # type: ignore[attr-defined]
    keepalive._installed = None
    try:
        pool = keepalive.use_keepalive()
        client(server.base_url).auth_test()
        assert pool.idle() == 1
        pid = os.fork()
        if pid == 0:  # the child: nothing inherited, so it never writes to the parent's socket
            os._exit(0 if pool.idle() == 0 else 1)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert pool.idle() == 1  # the parent keeps its own
    finally:
        keepalive._installed, urllib.request._opener = saved  # type: ignore[attr-defined]
