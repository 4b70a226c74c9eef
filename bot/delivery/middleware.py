"""Bolt middlewares that decide whether a delivery reaches the listeners at all.

``SignatureCheck`` refuses requests not signed with the signing secret; ``DeliveryFilter`` drops
deliveries already handled (by ``event_id``, or by signature for other signed requests), so
nothing is answered twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from slack_sdk.signature import SignatureVerifier

from bot import metrics
from bot.delivery.seen_events import SeenEvents
from bot.listener_pool import label_delivery

log = logging.getLogger("bot.delivery")


class SignatureCheck(Middleware):
    """Bolt's RequestVerification, minus its log line that prints the whole request body.

    Same check (HMAC-SHA256 with the signing secret, timestamp within five minutes, 401
    otherwise), installed through Bolt's ``before_authorize`` slot so it runs as early as the
    built-in one; Socket Mode envelopes arrive over an authenticated socket and skip it.
    """

    def __init__(self, signing_secret: str) -> None:
        # No secret (Socket Mode only): every HTTP request is refused.
        self.verifier = SignatureVerifier(signing_secret) if signing_secret else None

    def process(
        self,
        *,
        req: BoltRequest,
        resp: BoltResponse,
        next: Callable[[], BoltResponse],  # noqa: A002 - Bolt passes it by this name
    ) -> BoltResponse | None:
        if req.mode == "socket_mode":
            return next()
        timestamp = req.headers.get("x-slack-request-timestamp", ["0"])[0]
        signature = req.headers.get("x-slack-signature", [""])[0]
        if self.verifier is not None and self.verifier.is_valid(req.raw_body, timestamp, signature):
            return next()
        log.warning(
            "invalid_signature reason=%s timestamp=%s",
            signature_problem(timestamp, signature, bool(self.verifier)),
            _word(timestamp),
        )
        return BoltResponse(status=401, body={"error": "invalid request"})


SIGNATURE_MAX_AGE_SECONDS = 300


def signature_problem(timestamp: str, signature: str, have_secret: bool) -> str:
    """Why a signature failed, in words an operator can act on.

    ``stale_timestamp``: the request is older than five minutes (a replay, or this host's clock
    is off); ``wrong_signature``: a different signing secret signed it (or the body changed);
    ``no_signing_secret``: this process has none; ``missing_signature``: no Slack headers.
    """
    import time

    if not have_secret:
        return "no_signing_secret"
    if not signature or not timestamp.isdigit() or len(timestamp) > 15:
        return "missing_signature"
    if abs(time.time() - int(timestamp)) > SIGNATURE_MAX_AGE_SECONDS:
        return "stale_timestamp"
    return "wrong_signature"


class DeliveryFilter(Middleware):
    """Drop deliveries already handled before any listener runs, so nothing is answered twice.

    Every delivery is checked against the record of handled deliveries (``seen``), which
    records it at the same time:

    - an Events API event by its ``event_id``: Slack's redeliveries (``X-Slack-Retry-Num`` over
      HTTP, ``retry_attempt`` in Socket Mode, which Bolt maps to the same header) carry the
      original's ``event_id``, so a redelivery is answered exactly when nobody answered the
      original, e.g. when the original was lost in a restart;
    - any other signed HTTP request (a slash command) by its signature: the same signed
      request replayed within Slack's five-minute window is answered once;
    - an ``app_mention`` also by its message (channel and ts): Slack sends a new
      ``app_mention``, with a new ``event_id`` and an ``edited`` field, each time someone edits a
      message that mentions the bot, and the person already has the bot's reply. An edit of a
      message older than the record's TTL, which the record can no longer vouch for, is dropped
      too.

    ``process_retries=False`` (``PROCESS_SLACK_RETRIES=false``) drops every redelivery unread.
    """

    def __init__(self, seen: SeenEvents, process_retries: bool, ttl_seconds: float = 3600) -> None:
        self.seen = seen
        self.process_retries = process_retries
        self.ttl_seconds = ttl_seconds

    def process(
        self,
        *,
        req: BoltRequest,
        resp: BoltResponse,
        next: Callable[[], BoltResponse],  # noqa: A002 - Bolt passes it by this name
    ) -> BoltResponse | None:
        body = req.body if isinstance(req.body, dict) else {}
        if body.get("type") == "event_callback":
            return self._event(req, body, next_middleware=next)
        if body.get("type") == "app_rate_limited":
            return _rate_limited(body)
        key = _replay_key(req, body)
        if key is not None and not self.seen.first_time(key):
            metrics.DEDUPE_DUPLICATES.labels(reason="signed_replay").inc()
            log.info("duplicate_dropped request=signed_replay trigger_id=%s", _id(body))
            return BoltResponse(status=200, body="")
        label_delivery(_id(body))
        return next()

    def _event(
        self, req: BoltRequest, body: dict, next_middleware: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        event_id = _id(body)
        retry_num = _retry_num(req)
        if retry_num > 0 and not self.process_retries:
            reason = req.headers.get("x-slack-retry-reason")
            metrics.DEDUPE_DUPLICATES.labels(reason="retries_off").inc()
            log.info(
                "duplicate_dropped event_id=%s retry_num=%d retry_reason=%s",
                event_id,
                retry_num,
                _word(reason[0]) if reason else None,
            )
            return BoltResponse(status=200, body="")
        if event_id and not self.seen.first_time(event_id):
            metrics.DEDUPE_DUPLICATES.labels(reason="event_id").inc()
            log.info("duplicate_dropped event_id=%s retry_num=%d", event_id, retry_num)
            return BoltResponse(status=200, body="")
        why = self._mention_answered(body.get("event"))
        if why:
            metrics.DEDUPE_DUPLICATES.labels(reason=why).inc()
            log.info("duplicate_dropped event_id=%s reason=%s", event_id, why)
            return BoltResponse(status=200, body="")
        label_delivery(event_id)
        return next_middleware()

    def _mention_answered(self, event: object) -> str | None:
        """Why this ``app_mention`` needs no reply of its own (its message was answered)."""
        if not isinstance(event, dict) or event.get("type") != "app_mention":
            return None
        channel, ts = event.get("channel"), event.get("ts")
        if not isinstance(channel, str) or not isinstance(ts, str):
            return None
        if not self.seen.first_time(f"mention:{channel}:{ts}"):
            return "edited_mention" if event.get("edited") else "mention_already_answered"
        edited = event.get("edited")
        if isinstance(edited, dict) and _age(ts, edited.get("ts")) > self.ttl_seconds:
            return "edited_mention_too_old_to_tell"
        return None


def _rate_limited(body: dict) -> BoltResponse:
    """Slack's ``app_rate_limited`` callback: it stopped sending this app events for a minute.

    Sent as a top-level body (no ``event_callback`` wrapper) and expecting a 200; the operator
    hears about it as a warning with the minute it covers, and in ``/metrics``.
    """
    minute = body.get("minute_rate_limited")
    metrics.APP_RATE_LIMITED.inc()
    log.warning(
        "app_rate_limited minute=%s team_id=%s api_app_id=%s",
        minute if isinstance(minute, int) else "invalid",
        _word(str(body.get("team_id") or "")) or None,
        _word(str(body.get("api_app_id") or "")) or None,
    )
    return BoltResponse(status=200, body="")


def _id(body: dict) -> str | None:
    """The delivery's id for logs: the ``event_id``, else a command's ``trigger_id``."""
    value = body.get("event_id") or body.get("trigger_id")
    return _word(value) if isinstance(value, str) else None


def _word(value: str) -> str:
    """Slack ids and reasons are [A-Za-z0-9._-]; anything else never reaches a log line."""
    return "".join(ch for ch in value[:100] if ch.isascii() and (ch.isalnum() or ch in "._-"))


def _replay_key(req: BoltRequest, body: dict) -> str | None:
    """A signed HTTP request's signature (already verified), as its key in the record."""
    if req.mode != "http" or body.get("type") == "url_verification" or body.get("ssl_check"):
        return None
    signature = req.headers.get("x-slack-signature", [""])[0]
    return f"signature:{signature}" if signature else None


def _age(ts: str, later: object) -> float:
    try:
        return float(later) - float(ts)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0


def _retry_num(req: BoltRequest) -> int:
    """Slack's redelivery count: 0 for a first delivery (Socket Mode sends an explicit 0)."""
    values = req.headers.get("x-slack-retry-num")
    try:
        return int(values[0]) if values else 0
    except (TypeError, ValueError):
        return 1  # present but unreadable: still a redelivery
