"""Socket Mode end to end: Bolt's real Socket Mode handler against a local WebSocket server.

The fake Web API's ``apps.connections.open`` hands out the ws:// URL of a ``websockets`` server
that plays Slack: it says hello, pushes envelopes and records the acks.
"""

from __future__ import annotations

import pytest

from bot.console import slack_requests as payloads
from tests.helpers.fake_slack import RESPONSE_URL_METHOD
from tests.helpers.slack_app import socket_mode_app

BOT = "UBOT0001"


@pytest.fixture(scope="module")
def socket_bot():
    with socket_mode_app() as connected:
        yield connected


@pytest.fixture
def bot(socket_bot):
    ws, fake, pool = socket_bot
    assert pool.wait_idle(5)
    yield ws, fake, pool
    assert pool.wait_idle(5)
    fake.clear()


def test_connects_with_the_app_token(socket_bot):
    ws, _fake, _pool = socket_bot
    (call,) = ws.open_calls
    assert call.token == "xapp-1-test"


def test_slash_command_over_socket_mode(bot):
    ws, fake, _pool = bot
    fields = payloads.slash_command(
        "this release is great and wonderful", response_url=fake.response_url()
    )
    envelope_id = ws.send("slash_commands", fields)
    ack = ws.ack_for(envelope_id)
    assert "payload" not in ack or not ack["payload"]  # an empty ack; the answer comes later
    (call,) = fake.wait_for(RESPONSE_URL_METHOD)
    assert call.params["response_type"] == "ephemeral"
    assert call.params["text"].startswith("Positive")


def test_mention_and_message_events_over_socket_mode(bot):
    ws, fake, pool = bot
    ts = payloads.new_ts()
    text = f"<@{BOT}> this team is great and amazing"
    mention = payloads.event_callback(payloads.app_mention_event(text, channel="C1", ts=ts))
    message = payloads.event_callback(payloads.message_event(text, channel="C1", ts=ts))
    ws.ack_for(ws.send("events_api", mention))
    ws.ack_for(ws.send("events_api", message))
    (reply,) = fake.wait_for("chat.postMessage")
    assert reply.params["thread_ts"] == ts and reply.params["text"].startswith("Positive")
    # Slack redelivers the same envelope payload after a missed ack: acked, not answered again.
    ws.ack_for(ws.send("events_api", mention, retry_attempt=1))
    plain = payloads.event_callback(
        payloads.message_event("this is terrible and awful", channel="C1")
    )
    ws.ack_for(ws.send("events_api", plain))
    fake.wait_for("reactions.add")
    assert pool.wait_idle(5)
    assert len(fake.calls("chat.postMessage")) == 1
    assert [c.params["name"] for c in fake.calls("reactions.add")] == ["slightly_frowning_face"]
