"""HTTP mode for ``python -m bot``: a WSGI app and a thread-per-connection server.

``create_wsgi_app`` serves ``POST /slack/events``, ``GET /healthz`` (liveness) and
``GET /readyz`` (readiness) through ``bot.runners.gate``: size limit and signature before any
parsing. ``serve`` runs it on Python's threaded ``wsgiref`` server, where every connection has
its own thread: a slow client (slow-loris headers, a body trickled a byte at a time) holds only
its own thread, never the one that acks the next event. Each socket read times out after
``READ_TIMEOUT_SECONDS``, a body must arrive within ``gate.BODY_TIMEOUT_SECONDS``, and at most
``MAX_CONNECTIONS`` connections are served at once (more are closed at once). gunicorn serves
the same gate from an asyncio worker instead (``bot.runners.asgi``).
"""

from __future__ import annotations

import logging
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from bot.runners.gate import (
    BODY_TIMEOUT_SECONDS,
    EVENTS_PATH,
    HEALTH_PATH,
    METRICS_PATH,
    READY_PATH,
    Gate,
    Reply,
    status_line,
)

if TYPE_CHECKING:
    from bot.app import Bot

log = logging.getLogger("bot.runners.http")

__all__ = ["EVENTS_PATH", "HEALTH_PATH", "READY_PATH", "create_wsgi_app", "make_http_server"]

READ_TIMEOUT_SECONDS = 5.0
MAX_CONNECTIONS = 512

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    headers = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers[key[5:].lower().replace("_", "-")] = value
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            headers[key.lower().replace("_", "-")] = value
    return headers


def _read_body(stream: Any, length: int, deadline: float) -> bytes | None:
    """Up to ``length`` bytes, or None if the client is too slow or goes away."""
    read = getattr(stream, "read1", stream.read)  # read1: what arrived, not a full buffer
    chunks, got = [], 0
    while got < length:
        if time.monotonic() > deadline:
            return None
        try:
            chunk = read(min(65536, length - got))
        except (TimeoutError, OSError):
            return None
        if not chunk:
            return None
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def create_wsgi_app(bot: Bot, path: str = EVENTS_PATH) -> WsgiApp:
    """The bot's HTTP endpoints as a WSGI application (any WSGI server can run it)."""
    gate = Gate(bot, path)

    def wsgi_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        headers = _headers(environ)
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "")
        first = (
            gate.oauth(method, path, environ.get("QUERY_STRING", ""), headers)
            if gate.is_oauth(path)
            else gate.before_body(method, path, headers)
        )
        if isinstance(first, Reply):
            reply = first
        else:
            body = _read_body(environ["wsgi.input"], first, time.monotonic() + BODY_TIMEOUT_SECONDS)
            if body is None:
                reply = Reply.text(408, "request body too slow\n")
            else:
                screened = gate.screen(headers, body)
                reply = (
                    screened
                    if isinstance(screened, Reply)
                    else gate.dispatch(headers, environ.get("QUERY_STRING", ""), screened)
                )
        start_response(
            status_line(reply.status), [*reply.headers, ("Content-Length", str(len(reply.body)))]
        )
        return [b"" if method == "HEAD" else reply.body]

    return wsgi_app


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 1024  # bursts of Slack events must queue, not be refused

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            log.warning("connection_refused reason=too_many_connections max=%d", MAX_CONNECTIONS)
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


class _Handler(WSGIRequestHandler):
    """Per-read socket timeout; no per-request access line (the bot logs each event)."""

    timeout = READ_TIMEOUT_SECONDS

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        log.debug("http " + format, *args)


def make_http_server(wsgi_app: WsgiApp, host: str, port: int) -> WSGIServer:
    """A threaded WSGI server bound to ``host:port`` (port 0 picks a free one)."""
    return make_server(
        host, port, wsgi_app, server_class=_ThreadingWSGIServer, handler_class=_Handler
    )


def routes(bot: Bot) -> str:
    """The paths this bot answers, for the startup line (``/slack/events,/healthz,...``)."""
    paths = [EVENTS_PATH, HEALTH_PATH, READY_PATH] + ([METRICS_PATH] if bot.metrics else [])
    return ",".join(paths)


def listen(host: str, port: int) -> WSGIServer:
    """Bind ``host:port`` before the app is built, so a taken port fails fast and alone."""
    return make_http_server(None, host, port)  # type: ignore[arg-type]  # set by serve()


def serve(server: WSGIServer, bot: Bot) -> None:
    """Serve the bot in HTTP mode on a bound ``server`` until interrupted."""
    server.set_app(create_wsgi_app(bot))
    host, port = server.server_address[:2]
    log.info("http_mode listening=%s:%d routes=%s", host, port, routes(bot))
    try:
        server.serve_forever(poll_interval=0.5)
    finally:
        server.server_close()


def bind_error(host: str, port: int, err: OSError) -> str:
    """The one line that says why ``host:port`` cannot be listened on, and what to set."""
    import errno

    if isinstance(err, socket.gaierror) or err.errno == errno.EADDRNOTAVAIL:
        return (
            f"HOST={host} is not an address of this machine ({err.strerror or err}): set HOST to "
            "0.0.0.0 (every interface), 127.0.0.1 or one of this machine's addresses"
        )
    if err.errno == errno.EADDRINUSE:
        return (
            f"port {port} on {host} is already in use: stop what holds it or set PORT to a "
            "free port"
        )
    if err.errno == errno.EACCES:
        return f"no permission to listen on port {port}: set PORT to a port above 1023"
    return f"cannot listen on {host}:{port} ({err.strerror or err}): check HOST and PORT"


def check_bind(host: str, port: int) -> str | None:
    """Try to bind ``host:port`` as a server would; the one-line problem, or None if free."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except OSError as err:
        return bind_error(host, port, err)
    family, kind, proto, _name, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as err:
            return bind_error(host, port, err)
    return None
