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


# Web API methods (and response_url) that answer in Slack; reads like conversations.replies do not.
ANSWERING_METHODS = ("chat.", "reactions.", "views.", "files.", "response_url")


def sending_to_slack(method: str, sending: bool = True) -> None:
    """An answering Slack call starts (``sending``) or failed: while it runs, whether Slack got
    it is unknown, so a shutdown that gives up on the delivery lists it as ``in_flight``."""
    pool = getattr(_delivery, "pool", None)
    label = getattr(_delivery, "running", None)
    if pool is not None and label and method.startswith(ANSWERING_METHODS):
        pool.sending(label, sending)


def reached_slack(method: str) -> None:
    """A Slack call that answers (a reaction, a reply) worked for the delivery being worked on.

    ``bot.slack.web_api`` calls it after each successful call; the pool then knows that this
    delivery's answer is in Slack even if its work has not returned yet, so a shutdown that
    gives up on it does not call it abandoned.
    """
    pool = getattr(_delivery, "pool", None)
    label = getattr(_delivery, "running", None)
    if pool is not None and label and method.startswith(ANSWERING_METHODS):
        pool.answered(label)


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
        self._answered: set[str] = set()  # deliveries with unfinished work already in Slack
        self._sending: dict[str, int] = {}  # deliveries with an answering call under way
        self.last_in_flight: list[str] = []  # after a drain that gave up: see ``in_flight``

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        # A job submitted from a listener thread belongs to the delivery that thread works on.
        label = getattr(_delivery, "running", None) or getattr(_delivery, "id", None) or "unknown"
        with self._idle:
            self._pending += 1
        try:
            future = super().submit(self._run, label, fn, *args, **kwargs)
        except BaseException:
            self._done(None)
            raise
        with self._idle:
            if not future.done():
                self._labels[future] = label
        future.add_done_callback(self._done)
        return future

    def _run(self, label: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        _delivery.running, _delivery.pool = label, self
        try:
            return fn(*args, **kwargs)
        finally:
            _delivery.running = _delivery.pool = None

    def answered(self, label: str) -> None:
        """``label``'s answer reached Slack (``reached_slack``)."""
        with self._idle:
            self._sending.pop(label, None)
            if label in self._labels.values():
                self._answered.add(label)

    def sending(self, label: str, started: bool) -> None:
        """An answering call for ``label`` started, or ended without reaching Slack."""
        with self._idle:
            count = self._sending.get(label, 0) + (1 if started else -1)
            if count > 0:
                self._sending[label] = count
            else:
                self._sending.pop(label, None)

    def in_flight(self) -> list[str]:
        """Unfinished deliveries whose answering call was sent but not answered: Slack may or
        may not have them."""
        with self._idle:
            return sorted(set(self._labels.values()) & set(self._sending) - self._answered)

    def _done(self, future: Future | None) -> None:
        with self._idle:
            self._pending -= 1
            label = self._labels.pop(future, None)  # type: ignore[arg-type]
            if label is not None and label not in self._labels.values():
                self._answered.discard(label)
                self._sending.pop(label, None)
            if self._pending == 0:
                self._idle.notify_all()

    def queued(self) -> int:
        """Jobs waiting for a free thread (submitted, not yet started): readiness watches it."""
        with self._idle:
            return max(0, self._pending - self.max_workers)

    def unfinished(self) -> list[str]:
        """The delivery ids (event ids, trigger ids) whose work is queued or running and whose
        answer has not reached Slack yet."""
        with self._idle:
            return sorted(set(self._labels.values()) - self._answered - set(self._sending))

    def drain(self, timeout: float) -> list[str]:
        """Let queued and running work finish (up to ``timeout`` s), then stop the pool.

        Returns the delivery ids abandoned at the deadline whose answer is not in Slack: empty
        when everything finished, or when what is left already reached Slack (a reaction
        posted, its mood count still running).
        """
        idle = self.wait_idle(max(0.0, timeout))
        abandoned = [] if idle else self.unfinished()
        self.last_in_flight = [] if idle else self.in_flight()
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
    exits non-zero. Work whose answer already reached Slack is not counted. Returns True when
    nothing was abandoned.
    """
    deadline = time.monotonic() + timeout
    abandoned: list[str] = []
    in_flight: list[str] = []
    for pool in pools:
        abandoned += pool.drain(deadline - time.monotonic())
        in_flight += pool.last_in_flight
    if abandoned or in_flight:
        from bot import metrics

        metrics.DRAIN_ABANDONED.inc(len(abandoned))
        log.error(
            "drain_timeout seconds=%.1f abandoned=%d ids=%s in_flight=%d in_flight_ids=%s",
            timeout,
            len(abandoned),
            ",".join(abandoned) or "none",
            len(in_flight),
            ",".join(in_flight) or "none",
        )
    return not abandoned and not in_flight


def exit_now(status: int) -> None:
    """Exit with ``status`` without waiting for abandoned listener threads to return."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
