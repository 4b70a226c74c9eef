"""Build the Bolt app: one place that wires settings, predictor, Slack client and listeners.

The same ``App`` serves HTTP mode (``bot.server``), Socket Mode (``bot.socket_mode``) and the
local console (``bot.console``). Listeners run after the ack on a thread pool
(``process_before_response`` stays False), so Slack always gets its answer fast.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from bot.dedupe import SeenEvents, seen_events_for
from bot.deps import Deps
from bot.listeners import register_listeners
from bot.settings import Settings
from bot.slack_api import make_web_client
from model.prediction import Predictor

log = logging.getLogger("bot.app")


class ListenerPool(ThreadPoolExecutor):
    """The listener thread pool, able to say when all submitted work is done.

    The console waits on it before printing "no reaction", and tests use it to prove that
    nothing was posted without sleeping for a fixed time.
    """

    def __init__(self, max_workers: int = 8) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix="bot-listener")
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
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
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
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
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


def _log_unhandled_error(error: Exception, body: dict) -> None:
    """Bolt's default handler logs the exception text, which can quote the message; not here."""
    log.error(
        "unhandled_error error=%s event_id=%s type=%s",
        type(error).__name__,
        (body or {}).get("event_id") or (body or {}).get("trigger_id"),
        (body or {}).get("type") or (body or {}).get("command"),
    )


def create_app(
    settings: Settings,
    predictor: Predictor,
    client: WebClient | None = None,
    seen: SeenEvents | None = None,
    listener_pool: ListenerPool | None = None,
) -> App:
    """The Bolt app with every surface registered.

    ``client`` defaults to a WebClient on ``SLACK_API_URL``; Bolt calls ``auth.test`` with it
    once, here, to learn the bot's own user id. ``seen`` defaults to the Redis record when
    ``REDIS_URL`` is set (shared by every worker and replica), else an in-process one.
    """
    client = client or make_web_client(settings)
    if seen is None:
        seen = seen_events_for(settings.redis_url, settings.dedupe_ttl_seconds)
    pool = listener_pool or ListenerPool(max_workers=settings.listener_threads)
    app = App(
        name="sentiment-bot",
        client=client,
        signing_secret=settings.signing_secret,
        request_verification_enabled=False,  # SignatureCheck does it, without logging bodies
        before_authorize=SignatureCheck(settings.signing_secret),
        process_before_response=False,
        listener_executor=pool,
        logger=logging.getLogger("bot.bolt"),
    )
    app.use(DeliveryFilter(seen, settings.process_slack_retries))
    app.error(_log_unhandled_error)
    register_listeners(app, Deps(settings=settings, predictor=predictor, seen=seen))
    return app


def listener_pool(app: App) -> ListenerPool:
    """The pool an app built by ``create_app`` runs its listeners on."""
    executor = app.listener_runner.listener_executor
    if not isinstance(executor, ListenerPool):
        raise TypeError("this app was not built by bot.app.create_app")
    return executor
