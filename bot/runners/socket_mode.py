"""Socket Mode: the app opens a WebSocket to Slack, so no public URL is needed.

Slack's ``apps.connections.open`` (called with the ``xapp-`` token on ``SLACK_API_URL``) hands
out the WebSocket URL; Bolt's built-in handler then receives envelopes, dispatches them to the
same app as HTTP mode and acks each one.
"""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.settings import Settings

log = logging.getLogger("bot.runners.socket_mode")


def make_socket_mode_handler(app: App, settings: Settings) -> SocketModeHandler:
    """A Socket Mode handler on ``SLACK_APP_TOKEN``; then ``connect()`` or ``start()`` it."""
    return SocketModeHandler(
        app,
        app_token=settings.slack_app_token,
        logger=logging.getLogger("bot.slack_sdk"),
    )


def run_socket_mode(app: App, settings: Settings) -> None:
    """Connect and block until the process is stopped."""
    handler = make_socket_mode_handler(app, settings)
    log.info("socket_mode connecting")
    handler.start()
