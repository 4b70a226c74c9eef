"""Socket Mode end to end: Bolt's real Socket Mode handler against a local WebSocket server.

The fake Web API's ``apps.connections.open`` hands out the ws:// URL of a ``websockets`` server
that plays Slack: it says hello, pushes envelopes and records the acks.
"""

from __future__ import annotations

import json
import queue
import threading
import uuid

import pytest
from bot_helpers import KeywordPredictor, make_settings
from websockets.sync.server import serve

from bot import slack_payloads as payloads
from bot.app import ListenerPool, create_app
from bot.fake_slack import RESPONSE_URL_METHOD, FakeSlack
from bot.slack_api import make_web_client
from bot.socket_mode import make_socket_mode_handler

BOT = "UBOT0001"


class SocketSlack:
    """A WebSocket server speaking Slack's Socket Mode envelope protocol."""

    def __init__(self):
        self.acks: queue.Queue = queue.Queue()
        self.connected = threading.Event()
        self._conn = None
        self.server = serve(self._handle, "127.0.0.1", 0)
        self.port = self.server.socket.getsockname()[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _handle(self, conn):
        self._conn = conn
        conn.send(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": 1,
                    "debug_info": {"host": "local"},
                    "connection_info": {"app_id": "A1"},
                }
            )
        )
        self.connected.set()
        for raw in conn:
            self.acks.put(json.loads(raw))

    def send(self, kind: str, payload: dict, retry_attempt: int = 0) -> str:
        envelope_id = str(uuid.uuid4())
        self._conn.send(
            json.dumps(
                {
                    "envelope_id": envelope_id,
                    "type": kind,
                    "payload": payload,
                    "accepts_response_payload": kind != "events_api",
                    "retry_attempt": retry_attempt,
                    "retry_reason": "timeout" if retry_attempt else "",
                }
            )
        )
        return envelope_id

    def ack_for(self, envelope_id: str, timeout: float = 5.0) -> dict:
        while True:
            ack = self.acks.get(timeout=timeout)
            if ack.get("envelope_id") == envelope_id:
                return ack

    def close(self):
        self.server.shutdown()


@pytest.fixture(scope="module")
def socket_bot():
    ws = SocketSlack()
    with FakeSlack(socket_url=f"ws://127.0.0.1:{ws.port}/link/?ticket=t-1") as fake:
        settings = make_settings(fake, app_token="xapp-1-test", signing_secret="")
        pool = ListenerPool(max_workers=2)
        app = create_app(
            settings, KeywordPredictor(), make_web_client(settings), listener_pool=pool
        )
        handler = make_socket_mode_handler(app, settings)
        handler.connect()
        try:
            assert ws.connected.wait(5), "the Socket Mode client never connected"
            ws.open_calls = fake.calls("apps.connections.open")
            yield ws, fake, pool
        finally:
            handler.close()
            ws.close()
            pool.shutdown(wait=True)


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
