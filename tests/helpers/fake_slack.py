"""The console's fake Slack Web API, plus failures on demand for the tests.

``fail()`` queues failures per method: Slack error codes, 429 with ``Retry-After``, 5xx, or a
slow answer that makes the client time out. The console's fake itself only records and answers;
``wait_for`` comes from the benchmark's ``CountingFakeSlack``, ``ok_calls`` is the tests' own.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from benchmarks.fake_slack_server import CountingFakeSlack
from bot.console.fake_slack import RESPONSE_URL_METHOD, Answer, Call

__all__ = ["RESPONSE_URL_METHOD", "Call", "FakeSlack"]


@dataclass
class Failure:
    """A queued failure for one method: HTTP status, Slack error code, Retry-After, delay."""

    status: int = 200
    error: str | None = None
    retry_after: int | None = None
    delay: float = 0.0
    times: int = 1


class FakeSlack(CountingFakeSlack):
    """The fake Web API with a queue of failures per method."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._failures: dict[str, deque[Failure]] = {}

    def fail(
        self,
        method: str,
        *,
        status: int = 200,
        error: str | None = None,
        retry_after: int | None = None,
        delay: float = 0.0,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` calls to ``method`` fail.

        ``status=200, error="not_in_channel"`` is a Slack error; ``status=429`` a rate limit
        (with ``retry_after`` seconds); ``status=500`` a server error; ``delay`` answers late.
        """
        if status == 429 and error is None:
            error = "ratelimited"
        failure = Failure(status, error, retry_after, delay, times)
        with self._cond:
            self._failures.setdefault(method, deque()).append(failure)

    def ok_calls(self, method: str | None = None) -> list[Call]:
        """Recorded calls that the fake answered successfully."""
        return [c for c in self.calls(method) if c.ok]

    def clear(self) -> None:
        """Forget recorded calls and queued failures (stored messages stay)."""
        super().clear()
        with self._cond:
            self._failures.clear()

    def _reply(self, method: str, params: dict[str, Any], token: str | None) -> Answer:
        failure = self._next_failure(method)
        if failure is None:
            return super()._reply(method, params, token)
        if failure.delay:
            time.sleep(failure.delay)
        if failure.status == 200 and not failure.error:
            return super()._reply(method, params, token)  # only slow
        headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after else {}
        if failure.status >= 500:
            return Answer(
                failure.status, "<html><body>Slack is having trouble</body></html>", headers
            )
        body = {"ok": False, "error": failure.error or f"http_{failure.status}"}
        return Answer(failure.status, body, headers)

    def _next_failure(self, method: str) -> Failure | None:
        with self._cond:
            queue = self._failures.get(method)
            if not queue:
                return None
            failure = queue[0]
            failure.times -= 1
            if failure.times <= 0:
                queue.popleft()
            return failure
