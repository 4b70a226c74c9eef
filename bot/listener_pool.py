"""The thread pool the listeners run on, able to say when all submitted work is done.

Bolt acks first and hands listener work to this pool. The console waits on it before it prints
"no reaction", gunicorn's worker_exit drains it on SIGTERM, and tests use it to prove nothing was
posted without sleeping for a fixed time.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

log = logging.getLogger("bot.shutdown")

_delivery = threading.local()


def label_delivery(delivery_id: str | None) -> None:
    """Label the listener work this thread submits next with the delivery it belongs to.

    ``DeliveryFilter`` calls it for each delivery it lets through (Bolt runs the listeners on
    the same thread after the middleware chain), so a pool that must abandon work at shutdown
    can say which events it abandoned.
    """
    _delivery.id = delivery_id


class ListenerPool(ThreadPoolExecutor):
    """The listener thread pool, able to say when all submitted work is done.

    The console waits on it before printing "no reaction", and tests use it to prove that
    nothing was posted without sleeping for a fixed time.
    """

    def __init__(self, max_workers: int = 8) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix="bot-listener")
        self.max_workers = max_workers
        self._pending = 0
        self._idle = threading.Condition()
        self._labels: dict[Future, str] = {}

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        label = getattr(_delivery, "id", None) or "unknown"
        with self._idle:
            self._pending += 1
        try:
            future = super().submit(fn, *args, **kwargs)
        except BaseException:
            self._done(None)
            raise
        with self._idle:
            if not future.done():
                self._labels[future] = label
        future.add_done_callback(self._done)
        return future

    def _done(self, future: Future | None) -> None:
        with self._idle:
            self._pending -= 1
            self._labels.pop(future, None)  # type: ignore[arg-type]
            if self._pending == 0:
                self._idle.notify_all()

    def queued(self) -> int:
        """Jobs waiting for a free thread (submitted, not yet started): readiness watches it."""
        with self._idle:
            return max(0, self._pending - self.max_workers)

    def unfinished(self) -> list[str]:
        """The delivery ids (event ids, trigger ids) whose listener work is queued or running."""
        with self._idle:
            return sorted(set(self._labels.values()))

    def drain(self, timeout: float) -> list[str]:
        """Let queued and running work finish (up to ``timeout`` s), then stop the pool.

        Returns the delivery ids abandoned at the deadline: empty when everything finished.
        """
        idle = self.wait_idle(max(0.0, timeout))
        abandoned = [] if idle else self.unfinished() or ["unknown"]
        self.shutdown(wait=idle, cancel_futures=not idle)
        return abandoned

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until no listener work is queued or running; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._pending:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._idle.wait(remaining)
            return True


def drain_pools(pools: list[ListenerPool], timeout: float) -> bool:
    """Finish the listener work of every acked delivery within ``timeout`` s, then stop.

    Slack got its ack before this work ran, so work abandoned here is an event nobody will
    answer and Slack will not redeliver: it is logged with its count and ids, and the caller
    exits non-zero. Returns True when everything finished.
    """
    deadline = time.monotonic() + timeout
    abandoned: list[str] = []
    for pool in pools:
        abandoned += pool.drain(deadline - time.monotonic())
    if abandoned:
        log.error(
            "drain_timeout seconds=%.1f abandoned=%d event_ids=%s",
            timeout,
            len(abandoned),
            ",".join(abandoned),
        )
    return not abandoned


def exit_now(status: int) -> None:
    """Exit with ``status`` without waiting for abandoned listener threads to return."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
