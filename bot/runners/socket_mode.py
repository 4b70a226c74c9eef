"""Socket Mode: the app opens a WebSocket to Slack, so no public URL is needed.

Slack's ``apps.connections.open`` (called with the ``xapp-`` token on ``SLACK_API_URL``) hands
out the WebSocket URL; Bolt's Socket Mode handler then receives envelopes, dispatches them to
the same app as HTTP mode and acks each one.

Which of Bolt's adapters: ``websocket_client`` (the ``websocket-client`` package). Slack asks
every connection to reconnect now and then (a ``disconnect`` envelope, ``warning`` then
``refresh_requested``). slack_sdk's built-in client reconnects at once but keeps reading the old
socket until its 3 s receive timeout runs out, so the first event on the new socket was acked
only after about 3.1 s, past Slack's 3 s window. The stock ``websocket_client`` client starts
reading a new socket within 0.5 s; ``PromptSocketModeClient`` below within 0.05 s, so the first
ack comes about 0.07 s after the disconnect (``scripts/bench.py`` measures it). The async
adapters (``websockets``, ``aiohttp``) need an ``AsyncApp``, a second app for one surface.

Every envelope is acked, including types no listener handles: an unacked envelope is
redelivered by Slack, again and again.
"""

from __future__ import annotations

import logging
import time

from slack_bolt import App
from slack_bolt.adapter.socket_mode.internals import run_bolt_app, send_response
from slack_bolt.adapter.socket_mode.websocket_client import SocketModeHandler
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.socket_mode.websocket_client import SocketModeClient

from bot.settings import Settings

log = logging.getLogger("bot.runners.socket_mode")

SESSION_POLL_SECONDS = 0.05  # how soon a new socket is read after a reconnect (slack_sdk: 0.5)
NEW_SESSION_GRACE_SECONDS = 5.0  # a socket still opening is not "closed": don't reconnect


class PromptSocketModeClient(SocketModeClient):
    """slack_sdk's ``websocket_client`` Socket Mode client, reading a new socket promptly.

    Two timings of the stock client, changed: it starts reading a new socket up to 0.5 s after
    creating it (here 0.05 s), and its connection monitor, which runs the moment the first
    socket is created, sees that socket still opening and opens a second one (two
    ``apps.connections.open`` calls on every start). A socket younger than a few seconds is
    left to open.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        self._session_created = time.monotonic()
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.current_session_runner.interval_seconds = SESSION_POLL_SECONDS

    def connect(self) -> None:
        self._session_created = time.monotonic()
        super().connect()

    def _monitor_current_session(self) -> None:
        if time.monotonic() - self._session_created < NEW_SESSION_GRACE_SECONDS:
            return
        super()._monitor_current_session()


class AckingSocketModeHandler(SocketModeHandler):
    """Bolt's ``websocket_client`` handler, acking every envelope Bolt did not answer with 200.

    Bolt answers an envelope no listener matches with a 404 and sends no ack at all; Slack then
    redelivers it. Here such an envelope is acked empty and logged (type only, never payload).
    """

    def __init__(self, app: App, app_token: str, logger: logging.Logger) -> None:
        # Not super().__init__: it would build (and start the threads of) the stock client.
        self.app = app
        self.app_token = app_token
        self.client = PromptSocketModeClient(
            app_token=app_token, logger=logger, web_client=app.client
        )
        self.client.socket_mode_request_listeners.append(self.handle)  # type: ignore[arg-type]

    def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        start = time.time()
        try:
            bolt_resp = run_bolt_app(self.app, req)
        except Exception as err:  # noqa: BLE001 - ack anyway: a redelivery would fail the same
            log.error("socket_mode_dispatch_failed type=%s error=%s", req.type, type(err).__name__)
            client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return
        if bolt_resp.status == 200:
            send_response(client, req, bolt_resp, start)
            return
        log.info("unhandled_envelope type=%s status=%d acked", req.type, bolt_resp.status)
        client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))


def make_socket_mode_handler(app: App, settings: Settings) -> SocketModeHandler:
    """A Socket Mode handler on ``SLACK_APP_TOKEN``; then ``connect()`` or ``start()`` it."""
    return AckingSocketModeHandler(
        app,
        app_token=settings.slack_app_token,
        logger=logging.getLogger("bot.slack_sdk"),
    )


def run_socket_mode(app: App, settings: Settings) -> None:
    """Connect and block until the process is stopped; then stop taking envelopes."""
    handler = make_socket_mode_handler(app, settings)
    log.info("socket_mode connecting")
    try:
        handler.start()
    finally:
        handler.close()
