"""Listener pools whose threads are held busy, so a test can see what waits in the queues."""

from __future__ import annotations

import threading

from bot.listener_pool import REPLY, ListenerPool, label_work


def hold_every_thread(pool: ListenerPool, team: str = "TBUSY") -> threading.Event:
    """Occupy every thread of ``pool`` until the returned event is set (set it in a finally)."""
    gate, started = threading.Event(), threading.Event()
    running = 0
    lock = threading.Lock()

    def stuck() -> None:
        nonlocal running
        with lock:
            running += 1
            if running == pool.max_workers:
                started.set()
        gate.wait(10)

    for _ in range(pool.max_workers):
        label_work(team, REPLY)
        pool.submit(stuck)
    assert started.wait(5), "the listener threads never all got busy"
    return gate


def blocked_pool(**sizes: int) -> tuple[ListenerPool, threading.Event]:
    """A one-thread pool whose thread is stuck until the returned event is set."""
    pool = ListenerPool(max_workers=1, **sizes)
    return pool, hold_every_thread(pool)


def taken_order(pool: ListenerPool, monkeypatch) -> list[str]:
    """The workspaces of the jobs ``pool``'s threads take from here on, in the order taken
    (what round robin decides; the order their Slack calls arrive in also depends on how fast
    each thread then runs)."""
    taken: list[str] = []
    take = pool._next

    def recording():
        job = take()
        if job is not None:
            taken.append(job.workspace)
        return job

    monkeypatch.setattr(pool, "_next", recording)
    return taken
