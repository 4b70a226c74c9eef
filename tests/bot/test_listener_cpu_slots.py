"""``LISTENER_CPU_SLOTS``: at most N listener threads run Python at once; one waiting on Slack
gives its slot back (``off_cpu``), and never waits for ever to take one again."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from slack_sdk import WebClient

from bot.listener_pool import ListenerPool, off_cpu
from tests.helpers.slack_app import wait_until

WAIT = 5.0


def _overlap(cpu_slots: int, jobs: int = 3) -> int:
    """The most jobs seen inside their Python part at once."""
    lock = threading.Lock()
    active, most = [0], [0]
    never = threading.Event()

    def job() -> None:
        with lock:
            active[0] += 1
            most[0] = max(most[0], active[0])
        never.wait(0.3)  # "computing": a slot is held, nothing given back
        with lock:
            active[0] -= 1

    pool = ListenerPool(max_workers=jobs, cpu_slots=cpu_slots)
    for future in [pool.submit(job) for _ in range(jobs)]:
        future.result(WAIT)
    pool.shutdown(wait=True)
    return most[0]


@pytest.mark.parametrize(("cpu_slots", "expected"), [(1, 1), (2, 2), (0, 3)])
def test_at_most_cpu_slots_jobs_run_their_python_at_once(cpu_slots, expected):
    assert _overlap(cpu_slots) == expected  # 0: no limit, all three at once


def test_a_thread_waiting_on_the_network_lets_the_others_run():
    """Three jobs, one slot: all three are in their network wait together."""
    together = threading.Barrier(3, timeout=WAIT)

    def job() -> None:
        with off_cpu():
            together.wait()

    pool = ListenerPool(max_workers=3, cpu_slots=1)
    for future in [pool.submit(job) for _ in range(3)]:
        future.result(WAIT)  # a BrokenBarrierError here: the slot was not given back
    pool.shutdown(wait=True)


def test_after_the_wait_a_job_holding_a_lock_runs_on_without_a_slot():
    """A holds a lock across its network wait; B takes the only slot and waits for the lock.
    A cannot take the slot back, so it goes on without one and B finishes too (no deadlock)."""
    held = threading.Lock()
    b_has_the_slot = threading.Event()

    def a() -> str:
        with held:
            with off_cpu():
                assert b_has_the_slot.wait(WAIT)
            return "a"

    def b() -> str:
        b_has_the_slot.set()
        with held:
            return "b"

    pool = ListenerPool(max_workers=2, cpu_slots=1)
    first = pool.submit(a)
    assert wait_until(lambda: first.running() or first.done())  # a holds the slot first
    second = pool.submit(b)
    assert (first.result(WAIT), second.result(WAIT)) == ("a", "b")
    pool.shutdown(wait=True)


class _TwoAtOnce(BaseHTTPRequestHandler):
    """Answers each Web API call only once two calls are in flight together."""

    together = threading.Barrier(2, timeout=WAIT)

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        try:
            self.together.wait()
            body = json.dumps({"ok": True}).encode()
        except threading.BrokenBarrierError:
            body = json.dumps({"ok": False, "error": "alone"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args) -> None:
        pass


def test_a_slack_call_gives_the_slot_back_while_it_waits_for_the_answer():
    """Two slack_sdk calls from two jobs with one slot: both reach the server together,
    through the connection-pooling opener the bot installs (bot.slack.keepalive)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _TwoAtOnce)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    client = WebClient(base_url=f"http://127.0.0.1:{server.server_address[1]}/api/", timeout=10)
    pool = ListenerPool(max_workers=2, cpu_slots=1)
    try:
        futures = [pool.submit(lambda: client.api_call("auth.test")["ok"]) for _ in range(2)]
        assert [f.result(WAIT * 2) for f in futures] == [True, True]
    finally:
        pool.shutdown(wait=True)
        server.shutdown()
        server.server_close()
