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
