"""The batched recorder: the message listener adds a tally in memory, a thread writes it.

``add`` costs a lock and a dict update, so the message path stays as fast as it was. A
background thread flushes every ``MOOD_FLUSH_SECONDS`` (default 1 s) in one transaction, and
``close`` flushes the rest on shutdown: a SIGTERM loses nothing, a kill -9 at most the last
interval. When the database is unreachable the tallies stay pending and are retried; past
``MOOD_MAX_PENDING`` messages new ones are dropped and the count dropped is logged, so an outage
costs memory up to a bound and never a reaction or a reply.

User ids live only in the pending tallies (memory); the flush turns them into the day's keyed
hashes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.mood import counting, days
from bot.mood.tally import DayKey, DayTally
from bot.mood.workspace import Workspace

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

log = logging.getLogger("bot.mood")

FAILURE_LOG_EVERY_SECONDS = 30.0


class MoodRecorder:
    """Pending tallies plus the flush that writes them (``flush`` is safe from any thread)."""

    def __init__(
        self,
        engine: Engine | None,
        tz: ZoneInfo,
        *,
        max_pending: int = 100_000,
        clock: Callable[[], datetime],
    ) -> None:
        self.engine = engine
        self.tz = tz
        self.max_pending = max_pending
        self.clock = clock
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._pending: dict[DayKey, DayTally] = {}
        self._held = 0  # messages pending or being flushed
        self._dropped = 0  # since last logged
        self._late = 0
        self._keys: dict[tuple[Workspace, date], bytes] = {}
        self._failing_since: float | None = None
        self._last_failure_log = 0.0
        self.flushed_messages = 0
        self.dropped_messages = 0
        # Multi-workspace mode: which of a flush's workspaces may still be written (asked in
        # the flush's transaction); None: all of them.
        self.keep: Callable[[Connection, set[Workspace]], set[Workspace]] | None = None

    @property
    def pending(self) -> int:
        """Messages counted in memory but not yet written."""
        with self._lock:
            return self._held

    def add(
        self,
        workspace: Workspace,
        channel_id: str,
        ts: str | None,
        user_id: str,
        probabilities: Mapping[str, float],
        sign: int,
    ) -> bool:
        """Count one message: its three ``probabilities``, ``sign`` +1/-1 if confident, else 0.

        Returns False when the message was dropped (too many pending, or its day already closed).
        """
        now = self.clock()
        day = days.day_of_ts(ts, self.tz, now)
        key = DayKey(workspace, channel_id, day)
        with self._lock:
            if day < days.first_open_day(now, self.tz):
                self._late += 1
                return False
            if self._held >= self.max_pending:
                self._dropped += 1
                self.dropped_messages += 1
                return False
            tally = self._pending.get(key)
            if tally is None:
                tally = self._pending[key] = DayTally()
            counting.grow(tally, user_id, probabilities, sign)
            self._held += 1
        return True

    def flush(self) -> bool:
        """Write every pending tally in one transaction; False (and kept) if the database failed."""
        with self._flush_lock:
            with self._lock:
                batch, self._pending = self._pending, {}
                dropped, self._dropped = self._dropped, 0
                late, self._late = self._late, 0
            if dropped:
                log.warning("mood_dropped count=%d reason=pending_limit", dropped)
            if late:
                log.info("mood_late count=%d reason=day_closed", late)
            if not batch:
                return True
            first_open = days.first_open_day(self.clock(), self.tz)
            closed = [key for key in batch if key.day < first_open]
            for key in closed:  # its day closed while it waited: counting it now would be wrong
                tally = batch.pop(key)
                self._release(tally.messages)
                log.info("mood_late count=%d reason=day_closed", tally.messages)
            started = time.perf_counter()
            try:
                from bot.mood import store  # SQLAlchemy: not before the first flush

                with self.engine.begin() as connection:
                    self._drop_uninstalled(connection, batch)
                    count = sum(t.messages for t in batch.values())
                    keys = {}
                    for key in batch:
                        scope = (key.workspace, days.week_of(key.day))
                        if scope not in keys:
                            keys[scope] = self._keys.get(scope) or store.day_key(
                                connection, key.workspace, key.day
                            )
                    store.add_tallies(connection, batch, keys)
            except Exception as err:  # noqa: BLE001 - an outage must never reach the listeners
                self._restore(batch)
                self._log_failure(err)
                return False
            self._keys.update(keys)
            self._release(count)
            self.flushed_messages += count
            if self._failing_since is not None:
                log.info(
                    "mood_flush_recovered after_s=%.1f", time.monotonic() - self._failing_since
                )
                self._failing_since = None
            log.debug(
                "mood_flushed messages=%d rows=%d ms=%.1f",
                count,
                len(batch),
                (time.perf_counter() - started) * 1000,
            )
            return True

    def after_fork(self) -> None:
        """New locks in a forked child (a lock held by the parent's thread at fork stays held)."""
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()

    def _drop_uninstalled(self, connection: Connection, batch: dict[DayKey, DayTally]) -> None:
        """Leave out of ``batch`` the workspaces ``keep`` says are no longer installed: another
        process deleted their rows, and counts held here must not bring them back."""
        if self.keep is None or not batch:
            return
        kept = self.keep(connection, {key.workspace for key in batch})
        gone = [key for key in batch if key.workspace not in kept]
        if not gone:
            return
        count = 0
        for key in gone:
            count += batch.pop(key).messages
        self._release(count)
        log.info("mood_dropped count=%d reason=not_installed", count)

    def forget(self, workspace: Workspace, whole_org: bool = False) -> int:
        """Drop what this process holds for ``workspace`` (``whole_org``: every workspace of its
        enterprise) and wait out a flush under way; returns the messages dropped.

        Called before a workspace's rows are deleted (uninstall), so nothing held here is
        written after the deletion.
        """

        def gone(other: Workspace) -> bool:
            if whole_org and workspace.enterprise_id:
                return other.enterprise_id == workspace.enterprise_id
            return other == workspace

        with self._flush_lock:  # a flush writing this workspace's tallies finishes first
            with self._lock:
                dropped = [key for key in self._pending if gone(key.workspace)]
                count = sum(self._pending.pop(key).messages for key in dropped)
                self._held -= count
            self._keys = {k: v for k, v in self._keys.items() if not gone(k[0])}
        return count

    def forget_keys_before(self, first_open: date) -> None:
        """Drop cached keys of closed weeks (the database deletes its copy at close)."""
        open_week = days.week_of(first_open)
        with self._flush_lock:
            self._keys = {k: v for k, v in self._keys.items() if k[1] >= open_week}

    def _release(self, count: int) -> None:
        with self._lock:
            self._held -= count

    def _restore(self, batch: dict[DayKey, DayTally]) -> None:
        with self._lock:
            for key, tally in batch.items():
                current = self._pending.get(key)
                if current is None:
                    self._pending[key] = tally
                else:
                    tally.merge(current)
                    self._pending[key] = tally

    def _log_failure(self, err: Exception) -> None:
        now = time.monotonic()
        if self._failing_since is None:
            self._failing_since = now
        if now - self._last_failure_log >= FAILURE_LOG_EVERY_SECONDS:
            self._last_failure_log = now
            log.warning(
                "mood_flush_failed error=%s pending=%d max_pending=%d",
                type(err).__name__,
                self.pending,
                self.max_pending,
            )
