"""HTTP mode: a WSGI application for ``POST /slack/events`` and ``GET /healthz``.

``create_wsgi_app`` wraps a Bolt app for any WSGI server (gunicorn uses it through
``bot.runners.wsgi``); ``serve`` runs it on Python's threaded ``wsgiref`` server for
``python -m bot``. Slack's request signature is checked inside the app by
``bot.delivery.middleware.SignatureCheck`` (401 when wrong or older than five minutes).
"""

from __future__ import annotations

import logging
import socketserver
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

log = logging.getLogger("bot.runners.http")

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def create_wsgi_app(app: App, path: str = EVENTS_PATH) -> WsgiApp:
    """Route ``GET /healthz`` to a 200 and everything else to Bolt's WSGI adapter."""
    slack_handler = SlackRequestHandler(app, path=path)

    def wsgi_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") in {
            "GET",
            "HEAD",
        }:
            start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "3")])
            return [b"ok\n"]
        return slack_handler(environ, start_response)

    return wsgi_app


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 1024  # bursts of Slack events must queue, not be refused


class _QuietHandler(WSGIRequestHandler):
    """No per-request access line on stderr: it costs time and the bot logs each event anyway."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        log.debug("http " + format, *args)


def make_http_server(wsgi_app: WsgiApp, host: str, port: int) -> WSGIServer:
    """A threaded WSGI server bound to ``host:port`` (port 0 picks a free one)."""
    return make_server(
        host, port, wsgi_app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
    )


def serve(app: App, host: str, port: int) -> None:
    """Serve the app in HTTP mode until interrupted."""
    server = make_http_server(create_wsgi_app(app), host, port)
    log.info(
        "http_mode listening=http://%s:%d%s health=%s",
        host,
        server.server_address[1],
        EVENTS_PATH,
        HEALTH_PATH,
    )
    try:
        server.serve_forever(poll_interval=0.5)
    finally:
        server.server_close()
