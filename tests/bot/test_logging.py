"""Logs carry ids, surfaces, outcomes and timings, never message text, on every surface.

The production logging setup (``configure_logging``) is installed at its most verbose level,
then messages containing a distinctive phrase go through every surface, failures included.
"""

from __future__ import annotations

import io
import logging

import pytest

from bot.console import slack_requests as payloads
from bot.logs import configure_logging
from tests.helpers.fake_slack import RESPONSE_URL_METHOD
from tests.helpers.slack_app import served_app, socket_mode_app

PHRASE = "quokka marmalade sunrise"
BOT = "UBOT0001"


@pytest.fixture
def log_stream():
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    touched = ["slack_sdk", "slack_bolt", "bot.slack_sdk", "bot.bolt", "websockets"]
    saved_levels = {name: logging.getLogger(name).level for name in touched}
    stream = io.StringIO()
    configure_logging("DEBUG", stream=stream)
    logging.getLogger("websockets").setLevel(logging.WARNING)  # the test's own Slack stand-in
    try:
        yield stream
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved_handlers:
            root.addHandler(handler)
        root.setLevel(saved_level)
        for name, level in saved_levels.items():
            logging.getLogger(name).setLevel(level)


def test_no_message_text_in_logs_on_any_surface(log_stream):
    good = f"{PHRASE} is great and wonderful"
    with served_app() as s:
        # Slash command: private, public, help, model failure, response_url failure.
        s.command(good)
        s.command(f"--public {good}")
        s.command(f"explode {PHRASE}")
        s.fake.fail(RESPONSE_URL_METHOD, status=404, error="expired_url")
        s.command(good)
        s.fake.wait_for(RESPONSE_URL_METHOD, count=4)
        # Mentions: with text, bare in a thread whose parent holds the phrase, Slack errors.
        s.send_event(payloads.app_mention_event(f"<@{BOT}> {good}", channel="C1"))
        s.fake.add_message("C1", "900.000001", good)
        s.send_event(payloads.app_mention_event(f"<@{BOT}>", channel="C1", thread_ts="900.000001"))
        s.fake.fail("chat.postMessage", error="not_in_channel")
        s.send_event(payloads.app_mention_event(f"<@{BOT}> {good}", channel="C1"))
        # Channel messages: reaction, no reaction, Slack error, model failure, ignored bot.
        s.send_event(payloads.message_event(good))
        s.send_event(payloads.message_event(f"{PHRASE} at ten"))
        s.fake.fail("reactions.add", status=500, times=2)
        s.send_event(payloads.message_event(f"{good} again"))
        s.send_event(payloads.message_event(f"explode {PHRASE}"))
        s.send_event(payloads.message_event(good, bot_id="B1"))
        # Redelivery, bad signature, unknown command.
        again = payloads.message_event(good)
        s.send_event(again, event_id="EvLOGDUP1")
        s.send_event(again, event_id="EvLOGDUP1", **{"X-Slack-Retry-Num": "1"})
        body = payloads.json_body(payloads.event_callback(payloads.message_event(good)))
        s.post(body, "application/json", payloads.sign("wrong", body))
        fields = payloads.slash_command(good, response_url=s.fake.response_url(), command="/other")
        s.post(payloads.form_body(fields), "application/x-www-form-urlencoded")
        s.settle()
        assert len(s.fake.calls("chat.postMessage")) == 3

    with socket_mode_app() as (ws, fake, pool):
        fields = payloads.slash_command(good, response_url=fake.response_url())
        ws.ack_for(ws.send("slash_commands", fields))
        event = payloads.event_callback(payloads.app_mention_event(f"<@{BOT}> {good}"))
        ws.ack_for(ws.send("events_api", event))
        fake.wait_for("chat.postMessage")
        fake.wait_for(RESPONSE_URL_METHOD)
        assert pool.wait_idle(5)

    logs = log_stream.getvalue()
    # The logs did record the work, with ids and outcomes...
    assert "surface=command" in logs and "surface=mention" in logs and "surface=message" in logs
    assert "outcome=reacted" in logs and "error=not_in_channel" in logs
    assert "error=RuntimeError" in logs and "duplicate_dropped" in logs
    # ...and never the text.
    for word in PHRASE.split():
        leaks = [line for line in logs.splitlines() if word in line]
        assert not leaks, f"message text leaked into the logs: {leaks[:3]}"
