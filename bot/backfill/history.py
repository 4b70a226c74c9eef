"""Read a channel's history page by page with ``conversations.history``, within Slack's limits.

Slack's limits for this method depend on the app: an internal (single-workspace) app or a
Marketplace app gets Tier 3 (50+ requests a minute, up to 1,000 messages a page, 200
recommended); since 2025 a *commercially distributed app not approved for the Marketplace*
gets 1 request a minute and 15 messages a page. The rate and page size are therefore settings
(``BACKFILL_REQUESTS_PER_MINUTE``, ``BACKFILL_PAGE_SIZE``); the reader spaces its requests to
that rate and, when Slack answers 429 anyway, waits its ``Retry-After`` and asks again with
the same cursor.

Pages come newest first. The caller stores, with the counts of each page in one transaction,
the oldest ``ts`` it has processed; a later run passes it back as ``latest`` and continues
strictly below it, so a run can stop anywhere and no message is read into the record twice.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger("bot.backfill")

MAX_RATE_LIMIT_WAIT = 600.0  # a Retry-After longer than this is treated as this
MAX_RATE_LIMITED_TRIES = 20  # in a row, for one page
SAFETY = 1.05


class HistoryError(RuntimeError):
    """Slack refused the history (not_in_channel, missing_scope, ...): ``code`` says which."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class RequestPacer:
    """Fewer than ``per_minute`` requests a minute, spaced evenly (sleep is injectable)."""

    def __init__(
        self,
        per_minute: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        # 5% under the limit: requests spaced exactly at it meet Slack's window edge and get 429s.
        self.interval = 60.0 / per_minute * SAFETY if per_minute > 0 else 0.0
        self.clock = clock
        self.sleep = sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> float:
        """Block until the next request may go; return how long that took."""
        with self._lock:
            now = self.clock()
            delay = max(0.0, self._next - now)
            self._next = max(now, self._next) + self.interval
        if delay:
            self.sleep(delay)
        return delay

    def push_back(self, seconds: float) -> None:
        """Slack said wait: no request before ``seconds`` from now."""
        with self._lock:
            self._next = max(self._next, self.clock() + seconds)


@dataclass(frozen=True)
class Page:
    """One page of history, newest first, and whether older messages remain in the range."""

    messages: list[dict[str, Any]]
    has_more: bool


def _retry_after(err: SlackApiError) -> float:
    headers = getattr(err.response, "headers", None) or {}
    for name, value in headers.items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) else value
            try:
                return min(MAX_RATE_LIMIT_WAIT, max(0.0, float(raw)))
            except (TypeError, ValueError):
                break
    return 1.0


def read_history(
    client: WebClient,
    channel: str,
    *,
    oldest: float,
    latest: float | None,
    pacer: RequestPacer,
    page_size: int = 200,
    on_rate_limited: Callable[[float], None] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> Iterator[Page]:
    """Pages of messages with ``oldest < ts < latest``, newest first, until none remain.

    Raises ``HistoryError`` for a Slack error other than a rate limit. Stops between pages
    when ``should_stop()`` turns true.
    """
    cursor: str | None = None
    while not should_stop():
        params: dict[str, Any] = {
            "channel": channel,
            "limit": page_size,
            "oldest": f"{oldest:.6f}",
            "inclusive": False,
        }
        if latest is not None:
            params["latest"] = f"{latest:.6f}"
        if cursor:
            params["cursor"] = cursor
        response = None
        for _try in range(MAX_RATE_LIMITED_TRIES):
            pacer.wait()
            try:
                response = client.conversations_history(**params)
                break
            except SlackApiError as err:
                status = getattr(err.response, "status_code", None)
                if status != 429:
                    code = err.response.get("error") if err.response is not None else None
                    raise HistoryError(str(code or f"http_{status}")) from None
                wait = _retry_after(err)
                log.info("backfill_rate_limited channel=%s retry_after=%.1fs", channel, wait)
                pacer.push_back(wait)
                if on_rate_limited is not None:
                    on_rate_limited(wait)
        if response is None:
            raise HistoryError("ratelimited")
        messages = list(response.get("messages") or [])
        next_cursor = (response.get("response_metadata") or {}).get("next_cursor") or ""
        has_more = bool(response.get("has_more")) and bool(next_cursor)
        yield Page(messages, has_more)
        if not has_more or not messages:
            return
        cursor = next_cursor


def make_history_client(token: str, base_url: str, timeout: float) -> WebClient:
    """A WebClient for backfill: 429s come back to ``read_history`` (which waits them out and
    reports them) instead of being slept through inside slack_sdk; 5xx and connection errors
    are retried once as elsewhere."""
    from slack_sdk.http_retry.builtin_handlers import (
        ConnectionErrorRetryHandler,
        ServerErrorRetryHandler,
    )

    return WebClient(
        token=token,
        base_url=base_url,
        timeout=max(1, round(timeout)),
        retry_handlers=[
            ServerErrorRetryHandler(max_retry_count=1),
            ConnectionErrorRetryHandler(max_retry_count=1),
        ],
        logger=logging.getLogger("bot.slack_sdk"),
    )
