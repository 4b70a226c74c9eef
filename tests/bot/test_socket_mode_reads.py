"""Socket Mode under load: envelopes that reach the bot together are read, acked and queued
together, each exactly once, over ``ws://`` and over ``wss://`` (Slack's sockets are TLS).

Under load Slack's frames pile up in the socket; the reading thread takes everything waiting
in one read and acks it in one write (``bot.runners.socket_mode``). These tests write many
envelopes in one go (a frame cut across two writes, a slash command among the events, an event
larger than one read and one TLS record) through the real Bolt app and its Socket Mode client.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.console import slack_requests as payloads
from tests.helpers.fake_slack import RESPONSE_URL_METHOD
from tests.helpers.pools import hold_every_thread, taken_order
from tests.helpers.slack_app import self_signed_tls, socket_mode_app, wait_until

NO_BUDGET = {"reactions_per_minute": 100_000, "reaction_burst": 100_000}


@pytest.fixture(scope="module")
def plain_bot():
    with socket_mode_app(**NO_BUDGET) as connected:
        yield connected


@pytest.fixture(scope="module")
def tls_bot(tmp_path_factory):
    context, cert = self_signed_tls(Path(tmp_path_factory.mktemp("tls")))
    before = os.environ.get("WEBSOCKET_CLIENT_CA_BUNDLE")
    os.environ["WEBSOCKET_CLIENT_CA_BUNDLE"] = str(cert)  # websocket-client trusts it
    try:
        with socket_mode_app(tls=context, **NO_BUDGET) as connected:
            yield connected
    finally:
        if before is None:
            os.environ.pop("WEBSOCKET_CLIENT_CA_BUNDLE", None)
        else:
            os.environ["WEBSOCKET_CLIENT_CA_BUNDLE"] = before


@pytest.fixture(params=["ws", "wss"])
def bot(request):
    ws, fake, pool = request.getfixturevalue("plain_bot" if request.param == "ws" else "tls_bot")
    assert pool.wait_idle(5)
    fake.clear()
    yield ws, fake, pool
    assert pool.wait_idle(5)
    fake.clear()


def _messages(count: int, text: str = "great and good") -> list[dict]:
    return [
        payloads.event_callback(payloads.message_event(text, channel="C1")) for _ in range(count)
    ]


def _acks(ws, envelope_ids: list[str]) -> list[dict]:
    """The acks of ``envelope_ids`` (in the order they came), each waited for."""
    wanted, got = set(envelope_ids), []
    while wanted:
        ack = ws.acks.get(timeout=10)
        if ack.get("envelope_id") in wanted or ack.get("envelope_id") in envelope_ids:
            got.append(ack)
            wanted.discard(ack["envelope_id"])
    return got


def test_envelopes_that_arrive_together_are_each_acked_once_and_handled_once(bot):
    ws, fake, pool = bot
    events = _messages(40)
    command = payloads.slash_command("this is great", response_url=fake.response_url())
    envelopes = [ws.envelope("events_api", event) for event in events[:20]]
    envelopes.append(ws.envelope("slash_commands", command))
    envelopes += [ws.envelope("events_api", event) for event in events[20:]]
    # the first frame is cut after its header: the read ends inside it
    ws.send_together(envelopes, split_at=7)

    ids = [envelope["envelope_id"] for envelope in envelopes]
    acks = _acks(ws, ids)
    assert sorted(ack["envelope_id"] for ack in acks) == sorted(ids)
    assert {ack["_connection"] for ack in acks} == {ws.connections}
    reactions = fake.wait_for("reactions.add", count=len(events), timeout=10)
    fake.wait_for(RESPONSE_URL_METHOD)
    assert pool.wait_idle(5)
    assert sorted(r.params["timestamp"] for r in reactions) == sorted(
        event["event"]["ts"] for event in events
    )
    assert len(fake.calls("reactions.add")) == len(events)  # none twice
    assert ws.acks.empty()  # no envelope acked twice


def test_an_envelope_larger_than_one_read_is_acked_and_handled(bot):
    """A 100 KB message (a 64-bit frame length, several reads, several TLS records)."""
    ws, fake, pool = bot
    (big,) = _messages(1, "great and good " * 7000)
    small = _messages(3)
    envelopes = [ws.envelope("events_api", event) for event in [small[0], big, *small[1:]]]
    ws.send_together(envelopes)

    ids = [envelope["envelope_id"] for envelope in envelopes]
    assert sorted(ack["envelope_id"] for ack in _acks(ws, ids)) == sorted(ids)
    reactions = fake.wait_for("reactions.add", count=4, timeout=10)
    assert big["event"]["ts"] in {r.params["timestamp"] for r in reactions}
    assert pool.wait_idle(5)
    assert len(fake.calls("reactions.add")) == 4


def test_events_read_together_wait_in_their_own_workspaces_queues(bot, monkeypatch):
    """A read's envelopes are queued apart, per workspace, and served in turn."""
    ws, fake, pool = bot
    gate = hold_every_thread(pool)
    taken = taken_order(pool, monkeypatch)  # the held threads take their next job through it
    try:
        flood = [
            payloads.event_callback(payloads.message_event("great", channel="C1"), team_id="TFLOOD")
            for _ in range(30)
        ]
        quiet = payloads.event_callback(
            payloads.message_event("great and good", channel="C2"), team_id="TQUIET"
        )
        envelopes = [ws.envelope("events_api", event) for event in [*flood, quiet]]
        ws.send_together(envelopes)
        ids = [envelope["envelope_id"] for envelope in envelopes]
        assert len(_acks(ws, ids)) == len(ids)  # acked while every thread is busy
        assert wait_until(lambda: pool.queued_for("TQUIET") == 1)
        assert wait_until(lambda: pool.queued_for("TFLOOD") == 30)
    finally:
        gate.set()
    reactions = fake.wait_for("reactions.add", count=len(envelopes), timeout=10)
    assert pool.wait_idle(5)
    assert sorted(r.params["channel"] for r in reactions) == ["C1"] * 30 + ["C2"]
    # round robin: the quiet workspace's event is among the first taken, not behind 30
    assert taken.index("TQUIET") <= pool.max_workers


def test_without_the_batching_read_loop_each_envelope_is_still_acked_and_handled(monkeypatch):
    """A websocket-client that never asks for the bot's dispatcher (its own read loop runs):
    envelopes are acked as they are read, never left waiting for a batch that never ends."""
    from websocket import WebSocketApp

    from bot.runners.socket_mode import PromptSocketModeClient

    def stock(self, session):
        return lambda *args: WebSocketApp.create_dispatcher(session, *args)

    monkeypatch.setattr(PromptSocketModeClient, "_dispatcher_for", stock)
    with socket_mode_app(**NO_BUDGET) as (ws, fake, pool):
        events = _messages(5)
        envelopes = [ws.envelope("events_api", event) for event in events]
        ws.send_together(envelopes)
        ids = [envelope["envelope_id"] for envelope in envelopes]
        assert sorted(ack["envelope_id"] for ack in _acks(ws, ids)) == sorted(ids)
        fake.wait_for("reactions.add", count=len(events), timeout=10)
        assert pool.wait_idle(5)
        assert len(fake.calls("reactions.add")) == len(events)
