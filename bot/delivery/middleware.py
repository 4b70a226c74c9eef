"""Bolt middlewares that decide whether a delivery reaches the listeners at all.

``SignatureCheck`` refuses requests not signed with the signing secret; ``DeliveryFilter`` drops
deliveries already handled (by ``event_id``), so nothing is answered twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from slack_sdk.signature import SignatureVerifier

from bot.delivery.seen_events import SeenEvents

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
        log.warning("invalid_signature timestamp=%s", timestamp)
        return BoltResponse(status=401, body={"error": "invalid request"})


class DeliveryFilter(Middleware):
    """Drop Slack redeliveries before any listener runs, so nothing is answered twice.

    An Events API delivery is handled only the first time its ``event_id`` is seen. A delivery
    marked as a retry (HTTP header ``X-Slack-Retry-Num``, or the Socket Mode envelope's
    ``retry_attempt``, which Bolt maps to the same header) is a duplicate of an original this
    app already acknowledged, possibly in another worker process, so it is dropped unless
    ``PROCESS_SLACK_RETRIES`` is on, in which case only the event_id check applies. That is the
    default when ``REDIS_URL`` is set: the shared record sees every replica's events and
    survives restarts, so a redelivery is answered only if nobody handled the original.
    """

    def __init__(self, seen: SeenEvents, process_retries: bool) -> None:
        self.seen = seen
        self.process_retries = process_retries

    def process(
        self,
        *,
        req: BoltRequest,
        resp: BoltResponse,
        next: Callable[[], BoltResponse],  # noqa: A002 - Bolt passes it by this name
    ) -> BoltResponse | None:
        body = req.body
        if body.get("type") != "event_callback":
            return next()
        event_id = body.get("event_id")
        retry_num = _retry_num(req)
        if retry_num > 0 and not self.process_retries:
            reason = req.headers.get("x-slack-retry-reason")
            log.info(
                "duplicate_dropped event_id=%s retry_num=%d retry_reason=%s",
                event_id,
                retry_num,
                reason[0] if reason else None,
            )
            return BoltResponse(status=200, body="")
        if event_id and not self.seen.first_time(str(event_id)):
            log.info("duplicate_dropped event_id=%s retry_num=%d", event_id, retry_num)
            return BoltResponse(status=200, body="")
        return next()


def _retry_num(req: BoltRequest) -> int:
    """Slack's redelivery count: 0 for a first delivery (Socket Mode sends an explicit 0)."""
    values = req.headers.get("x-slack-retry-num")
    try:
        return int(values[0]) if values else 0
    except (TypeError, ValueError):
        return 1  # present but unreadable: still a redelivery
