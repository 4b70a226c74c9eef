"""The record of handled Slack events in a SQLite file, shared by every process on one host.

gunicorn runs several worker processes, and Slack's redelivery of an event can reach a different
worker than the original: only a record all of them see can tell that the event was already
answered. One statement per delivery, an ``INSERT ... ON CONFLICT DO UPDATE ... WHERE expired``,
both records the key and says whether it was new (or only remembered past its TTL), atomically
across processes (SQLite's write lock), so two workers racing on one event cannot both win.

The file is a cache of the last ``DEDUPE_TTL_SECONDS`` of event ids, not data: it runs with
``synchronous=OFF`` (an operating-system crash loses it, and the workers with it). If the file
cannot be written, the process logs it once and decides from its own in-process record.
"""

from __future__ import annotations

import itertools
import logging
import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from bot import metrics
from bot.delivery.seen_events import MemorySeenEvents

log = logging.getLogger("bot.delivery.seen_events")

BUSY_TIMEOUT_MS = 2000  # a worker waits this long for another's write lock (each takes µs)
PURGE_EVERY = 1000  # forget expired keys once per this many inserts
IDLE_CONNECTIONS = 16  # kept open per process: one per thread that claims at once
ATTEMPTS = 5  # "database is locked" while processes open the file at once: try again

_SCHEMA = "CREATE TABLE IF NOT EXISTS handled (key TEXT PRIMARY KEY, expires REAL NOT NULL)"
# The purge finds expired keys by this index: without it, each purge read the whole table (an
# hour of keys at 1,000 events/s is 3.6 million rows, ~0.1 s under the write lock every second).
_INDEX = "CREATE INDEX IF NOT EXISTS handled_expires ON handled (expires)"
_PURGE = "DELETE FROM handled WHERE expires <= ?"
_CLAIM = (
    "INSERT INTO handled (key, expires) VALUES (?, ?) "
    "ON CONFLICT (key) DO UPDATE SET expires = excluded.expires WHERE handled.expires <= ?"
)


def open_record(path: str | os.PathLike[str]) -> sqlite3.Connection:
    """Open (creating if needed) the record at ``path``; raises ``sqlite3.Error`` / ``OSError``."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(
        str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
    )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute(_SCHEMA)
    conn.execute(_INDEX)
    return conn


def check_writable(path: str) -> None:
    """Create the record and write to it once, so a bad ``DEDUPE_DB`` fails at startup."""
    conn = open_record(path)
    try:
        conn.execute(_CLAIM, ("startup-check", time.time(), time.time()))
    finally:
        conn.close()


class HostSeenEvents:
    """``SeenEvents`` in a SQLite file, with the in-process record as a fallback.

    A claim takes a connection from this process's idle ones (opening one if there is none;
    at most ``IDLE_CONNECTIONS`` are kept) and gives it back after its statement, so claims
    from several threads run side by side and only SQLite's own write lock, held inside the
    statement, orders them. One connection shared under a Python lock made the claim a convoy
    on the ack path: the holder releases the GIL inside SQLite and must win it back before the
    next thread may start; at 500 events/s per gunicorn worker the wait for that lock reached
    p99 12-15 ms (docs/serving.md). Connections are opened in the process that uses them (the
    record may be built in gunicorn's master before it forks).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        ttl_seconds: float = 3600.0,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = str(path)
        self._ttl = float(ttl_seconds)
        self._clock = clock
        self._local = MemorySeenEvents(ttl_seconds=self._ttl, clock=clock)
        self._idle: list[sqlite3.Connection] = []  # list.pop / append: atomic, no lock
        self._pid = os.getpid()
        self._inserts = itertools.count(1)
        self._closed = False
        self._failed = False

    def first_time(self, key: str) -> bool:
        """True when no process on this host has seen ``key`` within the TTL; never raises."""
        if not self._local.first_time(key):
            return False  # this process already saw it: no need to ask the file
        if self._failed:
            return True  # the file failed for good (logged once): decide locally, at once
        now = self._clock()
        try:
            return self._claim(key, now)
        except (sqlite3.Error, OSError) as err:
            if not self._failed:
                self._failed = True
                metrics.DEDUPE_FALLBACKS.labels(store="host_file").inc()
                metrics.DEDUPE_DEGRADED.labels(fallback="memory").set(1)
                log.warning(
                    "dedupe_store_unavailable store=host_file error=%s fallback=in_process",
                    type(err).__name__,
                )
            return True

    @property
    def degraded(self) -> str | None:
        """``memory`` once the file failed and this process decides alone, else None."""
        return "memory" if self._failed else None

    def _claim(self, key: str, now: float) -> bool:
        for attempt in range(ATTEMPTS):
            conn = None
            try:
                conn = self._take()  # opening may meet the lock too (another process creating)
                claimed = conn.execute(_CLAIM, (key, now + self._ttl, now)).rowcount == 1
                if next(self._inserts) % PURGE_EVERY == 0:
                    conn.execute(_PURGE, (now,))
            except sqlite3.OperationalError:
                if conn is not None:
                    conn.close()
                # Locked (another process is creating the file or switching it to WAL): the
                # statement did not run, so running it again cannot claim the key twice.
                if attempt == ATTEMPTS - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))
            except BaseException:
                if conn is not None:
                    conn.close()
                raise
            else:
                self._give(conn)
                return claimed
        raise AssertionError("unreachable")  # the last attempt returns or raises

    def close(self) -> None:
        self._closed = True
        while self._idle:
            try:
                self._idle.pop().close()
            except IndexError:
                break

    def _take(self) -> sqlite3.Connection:
        if self._pid != os.getpid():
            # Inherited across fork: never used (nor closed) here; this process opens its own.
            self._idle = []
            self._pid = os.getpid()
        try:
            return self._idle.pop()
        except IndexError:
            return open_record(self.path)

    def _give(self, conn: sqlite3.Connection) -> None:
        if self._closed or len(self._idle) >= IDLE_CONNECTIONS or self._pid != os.getpid():
            conn.close()
        else:
            self._idle.append(conn)
