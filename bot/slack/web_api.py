"""Talking to Slack's Web API and response URLs: retries where Slack says to, never a crash.

One ``WebClient`` per app, pointed at ``SLACK_API_URL``, with slack_sdk's retry handlers:
rate limits are retried after Slack's ``Retry-After`` (capped), 500/503 once with backoff, and
connections that failed before a request was sent once. A read timeout is *not* retried: Slack
may already have posted the message, and a second try could post it twice.

``call`` and ``respond`` wrap every call so a Slack error becomes a log line with the error
code and a False result, never an exception in a listener.
"""

from __future__ import annotations

import json
import logging
import random
import re
import time
from collections.abc import Callable, Iterable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.webhook import WebhookClient

from bot import metrics
from bot.health import Readiness
from bot.listener_pool import off_cpu, reached_slack, sending_to_slack
from bot.logs import id_field, scrub_logger
from bot.settings import Settings

log = logging.getLogger("bot.slack")
# The logger slack_sdk's clients get: it logs retried requests with their URL at INFO, and a
# response_url is a secret, so every record through it is scrubbed (bot.logs.scrub).
SDK_LOG = scrub_logger("bot.slack_sdk")
_CODE = re.compile(r"[a-z0-9_.]{1,64}")


def _retry_after_seconds(response: HttpResponse | None) -> float:
    if response is None:
        return 1.0
    for name, values in response.headers.items():
        if name.lower() == "retry-after" and values:
            try:
                return max(0.0, float(values[0]))
            except (TypeError, ValueError):
                return 1.0
    return 1.0


class CappedRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """Retry a 429 after its ``Retry-After``, unless Slack asks for a longer wait than ``max_wait``.

    slack_sdk's handler would sleep whatever Slack says, holding a listener thread for minutes;
    past the cap the call fails (and is logged) instead.
    """

    def __init__(self, max_retry_count: int = 2, max_wait: float = 30.0) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        wait = _retry_after_seconds(response)
        if wait > self.max_wait:
            log.warning(
                "slack_rate_limited retry_after=%.0fs over_cap=%.0fs giving_up", wait, self.max_wait
            )
            return False
        return True

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        wait = _retry_after_seconds(response)
        log.info("slack_rate_limited retry_after=%.1fs attempt=%d", wait, state.current_attempt + 1)
        state.next_attempt_requested = True
        with off_cpu():
            time.sleep(wait + random.uniform(0, 0.05))
        state.increment_current_attempt()


def retry_handlers(settings: Settings) -> list[RetryHandler]:
    """The retry policy shared by the Web API client and the response_url client."""
    return [
        CappedRateLimitRetryHandler(
            max_retry_count=2, max_wait=settings.slack_max_retry_wait_seconds
        ),
        ServerErrorRetryHandler(max_retry_count=1),
        ConnectionErrorRetryHandler(max_retry_count=1),
    ]


def make_web_client(settings: Settings, token: str | None = None) -> WebClient:
    """A WebClient on ``SLACK_API_URL`` with the bot token, a timeout and the retry policy."""
    return WebClient(
        token=token if token is not None else settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=max(1, round(settings.slack_timeout_seconds)),
        retry_handlers=retry_handlers(settings),
        logger=SDK_LOG,
    )


def call(
    method: str,
    func: Callable[[], Any],
    *,
    event_id: str | None,
    ok_errors: Iterable[str] = (),
    readiness: Readiness | None = None,
) -> tuple[bool, Any]:
    """Run one Web API call; return ``(ok, response_or_error_code)`` and log failures.

    ``ok_errors`` are Slack error codes that mean the job is already done (``already_reacted``).
    ``readiness`` hears every outcome, so ``/readyz`` can tell when Slack refuses the token.
    """
    metrics.SLACK_CALLS.labels(method=method).inc()
    sending_to_slack(method)
    try:
        result = func()
    except SlackApiError as err:
        sending_to_slack(method, sending=False)
        code = _error_code(err)
        if readiness is not None:
            readiness.slack_result(code)
        if code in set(ok_errors):
            reached_slack(method)
            log.info(
                "slack_call method=%s %s=%s result=%s", method, id_field(event_id), event_id, code
            )
            return True, code
        metrics.SLACK_ERRORS.labels(method=method, error=code).inc()
        status = getattr(err.response, "status_code", None)
        log.warning(
            "slack_call_failed method=%s %s=%s error=%s status=%s",
            method,
            id_field(event_id),
            event_id,
            code,
            status,
        )
        return False, code
    except Exception as err:  # noqa: BLE001 - timeouts, refused connections, bad JSON
        # A timeout may have reached Slack: still "sending" for a drain's in_flight list.
        if not isinstance(err, TimeoutError | OSError):
            sending_to_slack(method, sending=False)
        metrics.SLACK_ERRORS.labels(method=method, error=type(err).__name__).inc()
        log.warning(
            "slack_call_failed method=%s %s=%s error=%s",
            method,
            id_field(event_id),
            event_id,
            type(err).__name__,
        )
        return False, type(err).__name__
    if readiness is not None:
        readiness.slack_result(None)
    reached_slack(method)
    return True, result


def _error_code(err: SlackApiError) -> str:
    response = err.response
    try:
        code = response.get("error") if response is not None else None
    except Exception:  # noqa: BLE001 - a non-JSON body (an HTML 5xx page) has no .get
        code = None
    if code and _CODE.fullmatch(str(code)):
        return str(code)
    # Not a Slack error code (slack_sdk puts a whole non-JSON body here): log the status only.
    status = getattr(response, "status_code", None)
    return f"http_{status}" if status else "unknown_error"


def respond(
    response_url: str,
    message: dict[str, Any],
    *,
    response_type: str,
    settings: Settings,
    event_id: str | None,
) -> bool:
    """Post a message to a slash command's ``response_url`` (ephemeral or in_channel)."""
    client = WebhookClient(
        url=response_url,
        timeout=max(1, round(settings.slack_timeout_seconds)),
        retry_handlers=retry_handlers(settings),
        logger=SDK_LOG,
    )
    body = dict(message, response_type=response_type)
    field = id_field(event_id)
    metrics.SLACK_CALLS.labels(method="response_url").inc()
    sending_to_slack("response_url")
    try:
        result = client.send_dict(body)
    except Exception as err:  # noqa: BLE001
        metrics.SLACK_ERRORS.labels(method="response_url", error=type(err).__name__).inc()
        log.warning(
            "slack_call_failed method=response_url %s=%s error=%s",
            field,
            event_id,
            type(err).__name__,
        )
        return False
    if result.status_code != 200:
        sending_to_slack("response_url", sending=False)
        metrics.SLACK_ERRORS.labels(method="response_url", error=f"http_{result.status_code}").inc()
        log.warning(
            "slack_call_failed method=response_url %s=%s status=%s",
            field,
            event_id,
            result.status_code,
        )
        return False
    error = response_url_error(result.body)
    if error is not None:
        sending_to_slack("response_url", sending=False)
        metrics.SLACK_ERRORS.labels(method="response_url", error=error).inc()
        log.warning(
            "slack_call_failed method=response_url %s=%s status=200 error=%s",
            field,
            event_id,
            error,
        )
        return False
    reached_slack("response_url")
    return True


def response_url_error(body: str | None) -> str | None:
    """None when a 200 answer to a response_url post means posted, else the error to log.

    Slack answers ``ok`` (plain text) or ``{"ok": true}``; a 200 with ``{"ok": false,
    "error": ...}`` (``expired_url``, ``used_url``) or anything else was not posted.
    """
    text = (body or "").strip()
    if text == "ok":
        return None
    try:
        data = json.loads(text[:10_000]) if text.startswith("{") else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return "unreadable_answer"
    if data.get("ok") is True:
        return None
    code = data.get("error")
    return str(code) if code and _CODE.fullmatch(str(code)) else "not_ok"
