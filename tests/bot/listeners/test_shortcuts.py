"""The "Analyze sentiment" message shortcut, as Slack drives it over HTTP and Socket Mode."""

from __future__ import annotations

import json

import pytest

from tests.helpers import slack_requests as payloads
from tests.helpers.fake_slack import RESPONSE_URL_METHOD
from tests.helpers.slack_app import served_app, socket_mode_app


@pytest.fixture(scope="module")
def shared_app():
    with served_app() as app:
        yield app


@pytest.fixture
def served(shared_app):
    shared_app.settle()
    shared_app.fake.clear()
    return shared_app


def _shortcut(served, text: str, **message_extra):
    message = {"type": "message", "user": "UOTHER01", "text": text, "ts": payloads.new_ts()}
    message.update(message_extra)
    payload = payloads.message_action(message, response_url=served.fake.response_url("shortcut"))
    status, body = served.post(
        payloads.interactive_body(payload), "application/x-www-form-urlencoded"
    )
    return status, body, payload


def _modal_text(call) -> str:
    view = call.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["type"] == "modal" and len(view["title"]["text"]) <= 24
    return json.dumps(view["blocks"])


def test_shortcut_acks_empty_then_opens_a_modal_with_verdict_and_key_words(served):
    status, body, payload = _shortcut(served, "the launch was great and the docs are wonderful")
    assert status == 200 and body == ""
    (call,) = served.fake.wait_for("views.open")
    assert call.params["trigger_id"] == payload["trigger_id"]
    blocks = _modal_text(call)
    assert "Positive" in blocks and "confident" in blocks
    assert "*great*" in blocks and "*wonderful*" in blocks
    assert "The message" in blocks  # the judged text is quoted, the modal sits apart from it
    served.settle()
    assert not served.fake.calls(RESPONSE_URL_METHOD)


def test_markup_only_message_says_there_are_no_words(served):
    _shortcut(served, "<@U123> <https://example.com>")
    (call,) = served.fake.wait_for("views.open")
    assert "no words" in _modal_text(call)


def test_expired_trigger_falls_back_to_an_ephemeral_answer(served):
    served.fake.fail("views.open", error="expired_trigger_id")
    _shortcut(served, "this outage is terrible and awful")
    (answer,) = served.fake.wait_for(RESPONSE_URL_METHOD)
    assert answer.params["response_type"] == "ephemeral"
    assert "Negative" in answer.params["text"]


def test_model_failure_still_answers(served):
    _shortcut(served, "explode please")
    (call,) = served.fake.wait_for("views.open")
    assert "went wrong" in _modal_text(call)


def test_unsigned_shortcut_is_refused(served):
    message = {"type": "message", "user": "U1", "text": "great", "ts": payloads.new_ts()}
    body = payloads.interactive_body(payloads.message_action(message, response_url="x"))
    status, _ = served.post(
        body,
        "application/x-www-form-urlencoded",
        {"X-Slack-Signature": "v0=bad", "X-Slack-Request-Timestamp": "1"},
    )
    assert status == 401
    served.settle()
    assert not served.fake.calls("views.open")


def test_shortcut_over_socket_mode():
    with socket_mode_app() as (ws, fake, pool):
        message = {"type": "message", "user": "U2", "text": "awful and broken", "ts": "1.000001"}
        payload = payloads.message_action(message, response_url=fake.response_url())
        ack = ws.ack_for(ws.send("interactive", payload))
        assert not ack.get("payload")
        (call,) = fake.wait_for("views.open")
        assert "Negative" in _modal_text(call)
        assert pool.wait_idle(5)


def test_the_ack_does_not_wait_for_the_modal(served):
    """The HTTP answer comes back while views.open is still slow: the work runs after the ack."""
    served.fake.fail("views.open", delay=2.0)
    status, _, _ = _shortcut(served, "the launch was great")
    assert status == 200
    assert served.fake.calls("views.open") == []  # answered before the modal was even asked for
    served.fake.wait_for("views.open", timeout=10)
