"""What an HTTP request must pass before Bolt sees it, shared by both HTTP servers.

Bolt parses a request's body (JSON or form) as soon as it builds a ``BoltRequest``, before any
middleware runs, so a signature check inside Bolt comes after the parse. Here, in order:

1. the route (``POST /slack/events``; ``GET /healthz``, ``GET /readyz``), else 404/405;
2. the declared size: over ``MAX_BODY_BYTES`` is 413 before a byte of the body is read, a body
   without ``Content-Length`` is 411 (Slack always sends it);
3. the body is read by the server within ``BODY_TIMEOUT_SECONDS`` (408 otherwise);
4. Slack's signature over the raw bytes, timestamp within five minutes (401);
5. only then is the body decoded and parsed: invalid UTF-8, malformed or non-object JSON, or
   JSON nested deeper than ``MAX_JSON_DEPTH`` get 400, never a 500 or a traceback.

Only a request that passed all of that reaches ``App.dispatch``.

Multi-workspace mode adds Bolt's two install routes, ``GET /slack/install`` and
``GET /slack/oauth_redirect``: a person's browser sends them, so they carry no Slack signature;
Bolt's OAuth flow checks the state (cookie and state store) instead. Here they must be GETs
without a body and with a query of at most ``MAX_OAUTH_QUERY_BYTES``; they are never parsed
as events and never reach ``App.dispatch``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from slack_bolt import BoltRequest, BoltResponse

from bot.app import work_of
from bot.delivery.middleware import SIGNATURE_MAX_AGE_SECONDS, signature_problem
from bot.metrics import ACK_SECONDS

if TYPE_CHECKING:
    from bot.app import Bot
    from bot.health import Readiness

log = logging.getLogger("bot.http")

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
METRICS_PATH = "/metrics"
# Slack's payloads are a few KB (a 40,000-character message is under 200 KB as JSON).
MAX_BODY_BYTES = 1_000_000
# Time a client gets to send its whole body once its headers are in.
BODY_TIMEOUT_SECONDS = 10.0
MAX_JSON_DEPTH = 64
MAX_OAUTH_QUERY_BYTES = 4096  # code + state are about 200 bytes


@dataclass(frozen=True)
class Reply:
    """An HTTP answer: status, body, headers."""

    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    @staticmethod
    def text(status: int, text: str) -> Reply:
        return Reply(status, text.encode(), [("Content-Type", "text/plain; charset=utf-8")])


REASONS = {
    200: "OK",
    302: "Found",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    411: "Length Required",
    413: "Content Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


ACK_SWITCH_INTERVAL_SECONDS = 0.001


def favour_acks() -> None:
    """Let a thread that acks take the GIL within about 1 ms, not Python's default 5 ms.

    Acks (a request thread, Socket Mode's reading thread) share one interpreter with the
    listener threads that run the model. Each ack needs the GIL several times (every socket
    read and write releases it), and while listener threads hold it, each handoff waited up to
    the switch interval: at twice a process's capacity Socket Mode acks then reached p99
    0.3-2.4 s; with 1 ms, 74 ms (``scripts/bench.py``, docs/serving.md). The cost is more
    frequent switches for the listener threads.
    """
    sys.setswitchinterval(ACK_SWITCH_INTERVAL_SECONDS)


def readiness_reply(readiness: Readiness) -> Reply:
    """``/readyz``'s answer, shared by the HTTP servers and Socket Mode's health server."""
    problems = readiness.problems()
    degraded = readiness.degraded()
    tail = f"degraded: {' '.join(degraded)}\n" if degraded else ""
    if problems:
        return Reply.text(503, "not ready: " + " ".join(problems) + "\n" + tail)
    return Reply.text(200, "ready\n" + tail)


def metrics_reply() -> Reply:
    """``GET /metrics``: Prometheus text format (``bot.metrics``)."""
    from bot import metrics

    return Reply(200, metrics.render(), [("Content-Type", metrics.CONTENT_TYPE)])


def status_line(status: int) -> str:
    return f"{status} {REASONS.get(status, 'Unknown')}"


class Gate:
    """Routes, limits and checks requests for one bot, then dispatches the good ones to Bolt."""

    def __init__(self, bot: Bot, path: str = EVENTS_PATH) -> None:
        self.app = bot.app
        self.path = path
        self.secret = bot.signing_secret.encode()
        self.readiness = bot.readiness
        self.metrics = bot.metrics
        self.oauth_flow = bot.oauth_flow
        self.pool = bot.pool

    # -- before the body ------------------------------------------------------------------

    def before_body(self, method: str, path: str, headers: Mapping[str, str]) -> Reply | int:
        """A final answer for anything but an events POST; else the body length to read."""
        if path in (HEALTH_PATH, READY_PATH):
            if method not in ("GET", "HEAD"):
                return Reply.text(405, "method not allowed\n")
            return self.health() if path == HEALTH_PATH else self.ready()
        if path == METRICS_PATH and self.metrics:
            if method not in ("GET", "HEAD"):
                return Reply.text(405, "method not allowed\n")
            return metrics_reply()
        if path != self.path:
            log.warning("not_found method=%s path=%s", _word(method), path_shape(path))
            return Reply.text(404, "not found\n")
        if method != "POST":
            return Reply.text(405, "method not allowed\n")
        declared = headers.get("content-length")
        if declared is None or "transfer-encoding" in headers:
            return Reply.text(411, "Content-Length required\n")
        if not declared.isdigit() or len(declared) > 12:
            return Reply.text(400, "bad Content-Length\n")
        length = int(declared)
        if length > MAX_BODY_BYTES:
            log.warning("request_refused status=413 content_length=%d", length)
            return Reply.text(413, f"body over {MAX_BODY_BYTES} bytes\n")
        return length

    def is_oauth(self, path: str) -> bool:
        """Whether ``path`` is an install route (multi-workspace mode only); see ``oauth``."""
        flow = self.oauth_flow
        return flow is not None and path in (
            flow.settings.install_path,
            flow.settings.redirect_uri_path,
        )

    def oauth(self, method: str, path: str, query: str, headers: Mapping[str, str]) -> Reply:
        """An install route: Bolt's OAuth flow (state cookie, state store, ``oauth.v2.access``).

        May call Slack and the database: runners call it off their event loop.
        """
        flow = self.oauth_flow
        assert flow is not None
        route = "install" if path == flow.settings.install_path else "redirect"
        if method != "GET":
            return Reply.text(405, "method not allowed\n")
        if headers.get("content-length", "0") != "0" or "transfer-encoding" in headers:
            return Reply.text(400, "bad request: no body expected\n")
        if len(query) > MAX_OAUTH_QUERY_BYTES:
            log.warning("request_refused status=400 problem=oauth_query_too_long")
            return Reply.text(400, "bad request: query too long\n")
        request = BoltRequest(body="", query=query, headers=dict(headers))
        try:
            if route == "install":
                response = flow.handle_installation(request)
            else:
                response = flow.handle_callback(request)
        except Exception as err:  # noqa: BLE001 - the database or Slack failed: no traceback
            log.error("oauth_failed route=%s error=%s", route, type(err).__name__)
            return Reply.text(500, "internal error\n")
        log.info("oauth_route route=%s status=%d", route, response.status)
        return _reply_of(response)

    def health(self) -> Reply:
        """Liveness: the process answers."""
        return Reply.text(200, "ok\n")

    def ready(self) -> Reply:
        """Readiness: 503 with the reasons when the bot cannot do its job now; 200 ``ready``,
        plus a ``degraded: ...`` line when it works around a failure (database, Redis)."""
        return readiness_reply(self.readiness)

    # -- with the body --------------------------------------------------------------------

    def screen(self, headers: Mapping[str, str], body: bytes) -> Reply | str:
        """Check the signature over the raw bytes, then decode and parse: a Reply, or the text."""
        if not self._signed(headers, body):
            stamp = headers.get("x-slack-request-timestamp", "")
            log.warning(
                "invalid_signature reason=%s timestamp=%s",
                signature_problem(stamp, headers.get("x-slack-signature", ""), bool(self.secret)),
                stamp if stamp.isdigit() and len(stamp) < 16 else "invalid",
            )
            return Reply(
                401, b'{"error": "invalid request"}', [("Content-Type", "application/json")]
            )
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return self._bad("invalid_utf8")
        problem = _shape_problem(text, headers.get("content-type", ""))
        return self._bad(problem) if problem else text

    def acked_event(self, headers: Mapping[str, str], query: str, text: str) -> Reply | None:
        """Ack an Events API delivery now and queue Bolt's whole dispatch for it; else None.

        Slack gets the same answer either way (200, empty: a duplicate, a workspace with no
        installation and an unsubscribed event type are acked too), so the ack need not wait
        for the delivery filter's claim, the authorization or the listener's ack function:
        each of those gave up the GIL at least once (SQLite, the installation read), and each
        return to it waited behind the listener threads. The dispatch waits in its
        workspace's queue on the listener pool, fairly and shed by the pool's policy, as in
        Socket Mode. No I/O happens here, so an event loop may call it. Commands, actions and
        ``url_verification`` get None: their ack may carry an answer (``dispatch``).
        """
        if '"event_callback"' not in text:
            return None
        started = time.perf_counter()
        request = BoltRequest(body=text, query=query, headers=dict(headers))
        body = request.body
        if not isinstance(body, dict) or body.get("type") != "event_callback":
            return None
        try:
            self.pool.dispatch(self._dispatch_acked, [(request, *work_of(body))])
        except RuntimeError:  # the pool stopped: this process is shutting down
            log.warning("request_refused status=503 problem=shutting_down")
            return Reply.text(503, "shutting down\n")
        ACK_SECONDS.labels(mode="http").observe(time.perf_counter() - started)
        return _ACKED

    def _dispatch_acked(self, request: BoltRequest) -> None:
        """Bolt's dispatch for a delivery already acked (its response is not sent)."""
        try:
            response = self.app.dispatch(request)
        except Exception as err:  # noqa: BLE001 - Bolt handles listener errors; this is the rest
            log.error("dispatch_failed error=%s", type(err).__name__)
            return
        if response.status != 200:
            log.info("unhandled_event status=%d acked", response.status)

    def dispatch(self, headers: Mapping[str, str], query: str, text: str) -> Reply:
        """Hand a verified, parseable request to Bolt (an Events API delivery: acked at once,
        ``acked_event``); a crash is a logged 500, no traceback."""
        acked = self.acked_event(headers, query, text)
        if acked is not None:
            return acked
        started = time.perf_counter()
        try:
            response = self.app.dispatch(BoltRequest(body=text, query=query, headers=dict(headers)))
        except Exception as err:  # noqa: BLE001 - Bolt handles listener errors; this is the rest
            log.error("dispatch_failed error=%s", type(err).__name__)
            return Reply.text(500, "internal error\n")
        ACK_SECONDS.labels(mode="http").observe(time.perf_counter() - started)
        return _reply_of(response)

    def _signed(self, headers: Mapping[str, str], body: bytes) -> bool:
        stamp = headers.get("x-slack-request-timestamp", "")
        signature = headers.get("x-slack-signature", "")
        if not self.secret or not stamp.isdigit() or len(stamp) > 15:
            return False
        if abs(time.time() - int(stamp)) > SIGNATURE_MAX_AGE_SECONDS:
            return False
        base = b"v0:" + stamp.encode() + b":" + body
        expected = "v0=" + hmac.new(self.secret, base, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, signature)

    @staticmethod
    def _bad(problem: str) -> Reply:
        log.warning("request_refused status=400 problem=%s", problem)
        return Reply.text(400, f"bad request: {problem}\n")


def path_shape(path: str) -> str:
    """A request path for a log line: at most 8 segments, each kept only if it looks like a
    word (``/slack/event``), else ``:id``; never the query string (secrets ride there)."""
    segments = [seg for seg in path.split("?", 1)[0].split("/") if seg][:8]
    shaped = [seg if _SEGMENT.fullmatch(seg) else ":id" for seg in segments]
    return "/" + "/".join(shaped)


_SEGMENT = re.compile(r"[A-Za-z][A-Za-z_.-]{0,31}")


def _word(value: str) -> str:
    return value if value.isascii() and value.isalpha() and len(value) <= 10 else "invalid"


def _reply_of(response: BoltResponse) -> Reply:
    body = response.body.encode() if isinstance(response.body, str) else bytes(response.body)
    pairs = [
        (name, value)
        for name, values in response.headers.items()
        if name.lower() != "content-length"
        for value in values
    ]
    return Reply(response.status, body, pairs)


_ACKED = _reply_of(BoltResponse(status=200, body=""))  # what Bolt answers an acked event


def _shape_problem(text: str, content_type: str) -> str | None:
    """Why Bolt could not parse this body as Slack sends it, or None."""
    if content_type.startswith("application/json") or text.startswith("{"):
        return _json_problem(text)
    try:
        fields = parse_qs(text, keep_blank_values=True, max_num_fields=1000)
    except ValueError:
        return "malformed_form"
    payload = fields.get("payload")
    return _json_problem(payload[0]) if payload else None


def _json_problem(text: str) -> str | None:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return "malformed_json"
    if not isinstance(data, dict):
        return "json_not_an_object"
    if _depth_over(data, MAX_JSON_DEPTH):
        return "json_too_deep"
    return None


def _depth_over(data: object, limit: int) -> bool:
    """Whether ``data`` nests deeper than ``limit``, without recursion (Bolt copies payloads
    recursively, so a deep one must stop here)."""
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(node, dict):
            stack.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node)
    return False
