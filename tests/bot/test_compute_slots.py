"""Compute slots (``LISTENER_COMPUTE_SLOTS``): reaction-only jobs compute in at most that many
listener threads at once, threads waiting on Slack do not count, and nothing else is limited.

No times asserted: each test counts how many jobs were inside their computing part together,
with barriers and events so the counts do not depend on scheduling luck.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from bot.listener_pool import REACTION, REPLY, ListenerPool, label_work, waiting_on_slack


class Inside:
    """How many jobs are in their computing part now, and the most there ever were."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = 0
        self.most = 0

    def __enter__(self) -> None:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)

    def __exit__(self, *exc: object) -> None:
        with self.lock:
            self.now -= 1


def submit(pool: ListenerPool, kind: str, job: Callable[[], object], n: int) -> None:
    label_work("TA", kind)
    for _ in range(n):
        pool.submit(job)


def computing_job(inside: Inside, entered: threading.Semaphore, release: threading.Event):
    def job() -> None:
        with inside:
            entered.release()
            release.wait(10)

    return job


def test_reaction_jobs_compute_one_at_a_time_with_one_slot() -> None:
    pool = ListenerPool(max_workers=4, compute_slots=1)
    inside, entered, release = Inside(), threading.Semaphore(0), threading.Event()
    submit(pool, REACTION, computing_job(inside, entered, release), 4)
    assert entered.acquire(timeout=10)  # one job computes...
    assert not entered.acquire(timeout=0.3)  # ...and no other starts beside it
    release.set()
    assert pool.wait_idle(10)
    assert inside.most == 1
    pool.shutdown()


def test_without_slots_reaction_jobs_compute_side_by_side() -> None:
    """The negative control: ``compute_slots=0`` is the pool as it was."""
    pool = ListenerPool(max_workers=4, compute_slots=0)
    inside, entered, release = Inside(), threading.Semaphore(0), threading.Event()
    submit(pool, REACTION, computing_job(inside, entered, release), 4)
    for _ in range(4):
        assert entered.acquire(timeout=10)
    release.set()
    assert pool.wait_idle(10)
    assert inside.most == 4
    pool.shutdown()


def test_a_job_waiting_on_slack_gives_its_slot_to_the_next() -> None:
    """All four wait on "Slack" at once (a barrier of four), each having computed alone."""
    pool = ListenerPool(max_workers=4, compute_slots=1)
    inside = Inside()
    in_slack = threading.Barrier(4, timeout=10)

    def job() -> None:
        with inside:
            pass
        waiting_on_slack()  # as bot.slack.web_api.call does before each call
        in_slack.wait()  # only passes once all four are here together

    submit(pool, REACTION, job, 4)
    assert pool.wait_idle(10)
    assert not in_slack.broken
    assert inside.most == 1
    pool.shutdown()


def test_replies_take_no_slot() -> None:
    """A mention or a command may wait on the database before any Slack call: never limited."""
    pool = ListenerPool(max_workers=4, compute_slots=1)
    inside, entered, release = Inside(), threading.Semaphore(0), threading.Event()
    submit(pool, REPLY, computing_job(inside, entered, release), 3)
    for _ in range(3):
        assert entered.acquire(timeout=10)
    release.set()
    assert pool.wait_idle(10)
    assert inside.most == 3
    pool.shutdown()


def test_a_job_that_fails_gives_its_slot_back() -> None:
    pool = ListenerPool(max_workers=2, compute_slots=1)
    label_work("TA", REACTION)
    failed = pool.submit(lambda: 1 / 0)
    ok = pool.submit(lambda: "ran")
    assert ok.result(timeout=10) == "ran"
    assert isinstance(failed.exception(timeout=10), ZeroDivisionError)
    pool.shutdown()
