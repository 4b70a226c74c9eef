"""The record of handled events: first time True, later False, forgotten after the TTL."""

from __future__ import annotations

import threading

from bot.delivery.seen_events import MemorySeenEvents


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_first_time_then_duplicate():
    seen = MemorySeenEvents()
    assert seen.first_time("Ev1")
    assert not seen.first_time("Ev1")
    assert seen.first_time("Ev2")


def test_forgets_after_ttl():
    clock = Clock()
    seen = MemorySeenEvents(ttl_seconds=60, clock=clock)
    assert seen.first_time("Ev1")
    clock.now += 59
    assert not seen.first_time("Ev1")
    clock.now += 2
    assert seen.first_time("Ev1")


def test_bounded_size_forgets_oldest():
    seen = MemorySeenEvents(max_entries=3)
    for key in "abcd":
        assert seen.first_time(key)
    assert len(seen) == 3
    assert seen.first_time("a")  # the oldest was dropped
    assert not seen.first_time("d")


def test_only_one_thread_wins():
    seen = MemorySeenEvents()
    wins = []
    barrier = threading.Barrier(8)

    def race():
        barrier.wait()
        wins.append(seen.first_time("EvSame"))

    threads = [threading.Thread(target=race) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wins.count(True) == 1
