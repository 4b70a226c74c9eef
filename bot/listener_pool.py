"""The thread pool the listeners run on, able to say when all submitted work is done.

Bolt acks first and hands listener work to this pool. The console waits on it before it prints
"no reaction", gunicorn's worker_exit drains it on SIGTERM, and tests use it to prove nothing was
posted without sleeping for a fixed time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any


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

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        with self._idle:
            self._pending += 1
        try:
            future = super().submit(fn, *args, **kwargs)
        except BaseException:
            self._done(None)
            raise
        future.add_done_callback(self._done)
        return future

    def _done(self, _future: Future | None) -> None:
        with self._idle:
            self._pending -= 1
            if self._pending == 0:
                self._idle.notify_all()

    def queued(self) -> int:
        """Jobs waiting for a free thread (submitted, not yet started): readiness watches it."""
        with self._idle:
            return max(0, self._pending - self.max_workers)

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
