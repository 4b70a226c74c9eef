"""Socket Mode end to end: Bolt's real Socket Mode handler against a local WebSocket server.

The fake Web API's ``apps.connections.open`` hands out the ws:// URL of a ``websockets`` server
that plays Slack: it says hello, pushes envelopes and records the acks.
"""

from __future__ import annotations

import json
import time
import uuid

import pytest

from bot.console import slack_requests as payloads
from tests.helpers.fake_slack import RESPONSE_URL_METHOD
from tests.helpers.pools import hold_every_thread
from tests.helpers.slack_app import REPO, socket_mode_app

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


# --- reconnects (Slack refreshes every connection now and then) --------------------------------


def test_one_connection_at_start(socket_bot):
    ws, _fake, _pool = socket_bot
    assert len(ws.open_calls) == 1


@pytest.mark.parametrize("reason", ["warning", "refresh_requested"])
def test_first_event_after_a_disconnect_is_acked_within_a_second(bot, reason):
    """slack_sdk's built-in client acked it only after ~3.1 s (its receive timeout)."""
    ws, fake, _pool = bot
    ws.disconnect(reason)
    event = payloads.event_callback(payloads.message_event("great and good", channel="C1"))
    sent = time.perf_counter()
    envelope_id = ws.send("events_api", event)
    ack = ws.ack_for(envelope_id, timeout=10)
    took = ack["_received_at"] - sent
    assert took < 1.0, f"first ack after a {reason} reconnect took {took:.2f} s"
    (reaction,) = fake.wait_for("reactions.add")
    assert reaction.params["timestamp"] == event["event"]["ts"]


# --- every envelope is acked; every subscribed event is answered ------------------------------


def test_every_envelope_is_acked_even_without_a_listener(bot):
    ws, fake, _pool = bot
    reaction_added = {
        "type": "reaction_added",
        "user": "UHUMAN001",
        "reaction": "thumbsup",
        "item": {"type": "message", "channel": "C1", "ts": "1.000001"},
        "item_user": "UHUMAN002",
        "event_ts": "2.000001",
    }
    channel_created = {
        "type": "channel_created",
        "channel": {"id": "C9", "name": "secret-plans", "created": 1, "creator": "U1"},
    }
    envelopes = [
        ("events_api", payloads.event_callback(reaction_added)),
        ("events_api", payloads.event_callback(channel_created)),
        (
            "slash_commands",
            payloads.slash_command("hi", response_url=fake.response_url(), command="/other"),
        ),
        (
            "interactive",
            {"type": "block_actions", "actions": [], "user": {"id": "U1"}, "team": {"id": "T1"}},
        ),
        ("something_new", {"type": "something_new"}),
    ]
    for kind, payload in envelopes:
        ws.ack_for(ws.send(kind, payload), timeout=5)
    assert fake.calls("reactions.add") == [] and fake.calls("chat.postMessage") == []


def _manifest_events() -> list[str]:
    manifest = json.loads((REPO / "slack_manifest.json").read_text())
    return manifest["settings"]["event_subscriptions"]["bot_events"]


@pytest.mark.parametrize("subscription", _manifest_events())
def test_every_event_the_manifest_subscribes_to_is_answered(bot, subscription):
    ws, fake, _pool = bot
    if subscription == "app_mention":
        event = payloads.app_mention_event(f"<@{BOT}> great and good", channel="C1")
        method = "chat.postMessage"
    elif subscription == "message.channels":
        event = payloads.message_event("great and good", channel="C1", channel_type="channel")
        method = "reactions.add"
    elif subscription == "message.groups":
        event = payloads.message_event("great and good", channel="G1", channel_type="group")
        method = "reactions.add"
    elif subscription == "app_home_opened":
        event = {
            "type": "app_home_opened",
            "user": "U0HOME1",
            "channel": "D0HOME1",
            "tab": "home",
            "event_ts": payloads.new_ts(),
        }
        method = "views.publish"
    elif subscription in {"app_uninstalled", "tokens_revoked"}:
        # One token: acked and logged only. Multi-workspace mode deletes the workspace's data
        # (tests/bot/install).
        ws.ack_for(ws.send("events_api", payloads.event_callback({"type": subscription})))
        assert fake.calls("chat.postMessage") == [] and fake.calls("reactions.add") == []
        return
    else:
        pytest.fail(f"the manifest subscribes to {subscription}, which no test covers")
    ws.ack_for(ws.send("events_api", payloads.event_callback(event)))
    (call,) = fake.wait_for(method)
    if method == "views.publish":
        assert call.params["user_id"] == event["user"]
    else:
        assert call.params["channel"] == event["channel"]


# --- acks never wait for listener work; a replaced socket is still served ----------------------


def test_acks_do_not_wait_while_every_listener_thread_is_busy(bot):
    """Events are acked by the socket's reading thread; their dispatch waits in the pool."""
    ws, fake, pool = bot
    gate = hold_every_thread(pool)
    try:
        event = payloads.event_callback(payloads.message_event("great and good", channel="C1"))
        command = payloads.slash_command("this is great", response_url=fake.response_url())
        event_ack = ws.ack_for(ws.send("events_api", event), timeout=5)
        command_ack = ws.ack_for(ws.send("slash_commands", command), timeout=5)
        assert event_ack and command_ack
        assert not gate.is_set() and fake.calls("reactions.add") == []  # no thread was free
    finally:
        gate.set()
    (reaction,) = fake.wait_for("reactions.add")
    assert reaction.params["timestamp"] == event["event"]["ts"]
    fake.wait_for(RESPONSE_URL_METHOD)


def test_an_event_on_the_old_socket_during_a_warning_grace_is_acked_there_and_handled_once(bot):
    ws, fake, pool = bot
    old, old_number = ws._conn, ws.connections
    ws.disconnect("warning")  # returns once the new socket said hello
    assert ws._conn is not old
    event = payloads.event_callback(payloads.message_event("great and good", channel="C1"))
    envelope_id = str(uuid.uuid4())
    old.send(
        json.dumps(
            {
                "envelope_id": envelope_id,
                "type": "events_api",
                "payload": event,
                "accepts_response_payload": False,
                "retry_attempt": 0,
                "retry_reason": "",
            }
        )
    )
    ack = ws.ack_for(envelope_id, timeout=5)
    assert ack["_connection"] == old_number  # acked on the socket it came on
    (reaction,) = fake.wait_for("reactions.add")
    assert reaction.params["timestamp"] == event["event"]["ts"]
    old.close()  # Slack ends the old socket after the grace
    assert pool.wait_idle(5)
    assert len(fake.calls("reactions.add")) == 1
    # the new socket still works
    later = payloads.event_callback(payloads.message_event("great and good", channel="C1"))
    assert ws.ack_for(ws.send("events_api", later), timeout=5)["_connection"] == ws.connections
