"""HTTP mode: a WSGI application for ``POST /slack/events`` and ``GET /healthz``.

``create_wsgi_app`` is the factory a WSGI server (gunicorn with several workers, say) imports;
``serve`` runs it on Python's threaded ``wsgiref`` server for ``python -m bot``. Slack's request
signature is checked by Bolt's RequestVerification middleware inside the app (401 when wrong
or older than five minutes).
"""

from __future__ import annotations

import logging
import socketserver
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

log = logging.getLogger("bot.server")

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


def app_from_env(env_file: str = ".env") -> App:
    """The HTTP-mode Bolt app from the environment: settings, model and ``auth.test`` checked.

    Bad settings raise ``SettingsError`` or ``StartupError`` with the one line that says what to
    fix.
    """
    from bot.app import create_app
    from bot.logs import configure_logging
    from bot.settings import SettingsError, load_env, settings_from_env
    from bot.startup import check_slack_auth, load_model

    settings = settings_from_env(load_env(env_file))
    settings.validate_for_slack()
    if settings.socket_mode:
        raise SettingsError(
            "SLACK_APP_TOKEN is set: Socket Mode runs with `python -m bot`, not a WSGI server"
        )
    predictor = load_model(settings)
    check_slack_auth(settings)
    configure_logging(settings.log_level)
    return create_app(settings, predictor)


def wsgi_from_env(env_file: str = ".env") -> WsgiApp:
    """Build the HTTP-mode WSGI app from the environment, for a WSGI server's factory syntax.

    ``gunicorn -w 2 -b 0.0.0.0:3000 'bot.server:wsgi_from_env()'`` gives each worker its own
    app, model and dedupe record. For production use ``gunicorn -c gunicorn.conf.py``
    (``bot.wsgi``), which also lets acked events finish on SIGTERM.
    """
    return create_wsgi_app(app_from_env(env_file))
