"""The record of Slack deliveries already handled, so a redelivery never makes a second reply.

Slack redelivers an event when it did not see our acknowledgement in time, and the same Socket
Mode envelope can arrive again after a reconnect. The app asks ``first_time(key)`` once per
delivery (key: the ``event_id``) and handles it only on True.

``SeenEvents`` is the seam: the in-process ``MemorySeenEvents`` serves one process; with
``REDIS_URL`` set, ``bot.delivery.redis_record.RedisSeenEvents`` shares the record between
every worker
and replica (``bot.delivery.records.seen_events_for`` picks one) without touching the
listeners.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol


class SeenEvents(Protocol):
    """Atomically record a key and say whether this is the first time it was seen."""

    def first_time(self, key: str) -> bool: ...


class MemorySeenEvents:
    """Thread-safe in-process record that forgets keys after ``ttl_seconds``.

    Bounded by ``max_entries`` too (oldest forgotten first), so a burst cannot grow memory
    without limit. Slack's own redeliveries all come within minutes, well inside the TTL.
    """

    def __init__(
        self,
        ttl_seconds: float = 3600.0,
        max_entries: int = 200_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl_seconds
        self._max = max_entries
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, key: str) -> bool:
        now = self._clock()
        with self._lock:
            self._forget_expired(now)
            if key in self._seen:
                return False
            self._seen[key] = now + self._ttl
            if len(self._seen) > self._max:
                self._seen.popitem(last=False)
            return True

    def __len__(self) -> int:
        with self._lock:
            return len(self._seen)

    def _forget_expired(self, now: float) -> None:
        # Keys are in insertion order and share one TTL, so expired ones are at the front.
        seen = self._seen
        while seen:
            key, expires = next(iter(seen.items()))
            if expires > now:
                break
            del seen[key]
