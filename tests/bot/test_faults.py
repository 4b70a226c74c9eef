"""Slack API failures are retried where Slack says to, logged, and never crash or duplicate."""

from __future__ import annotations

import logging
import time

import pytest

from bot.console import slack_requests as payloads
from tests.helpers.fake_slack import RESPONSE_URL_METHOD
from tests.helpers.slack_app import served_app

BOT = "UBOT0001"
GOOD = "the demo was great and the team loved it"


@pytest.fixture
def served():
    with served_app(slack_timeout_seconds=1.0, slack_max_retry_wait_seconds=2.0) as served:
        yield served


@pytest.fixture(autouse=True)
def info_logs(caplog):
    caplog.set_level(logging.INFO, logger="bot")
    return caplog


def mention(text="this is great and good", **extra):
    return payloads.app_mention_event(f"<@{BOT}> {text}", channel="C1", **extra)


@pytest.mark.parametrize("code", ["not_in_channel", "channel_not_found", "missing_scope"])
def test_reaction_slack_error_is_logged_and_next_message_still_works(served, caplog, code):
    served.fake.fail("reactions.add", error=code)
    served.send_event(payloads.message_event(GOOD, channel="C1"))
    served.fake.wait_for("reactions.add")
    served.settle()
    assert "method=reactions.add" in caplog.text and f"error={code}" in caplog.text
    served.send_event(payloads.message_event(GOOD, channel="C1"))
    served.fake.wait_for("reactions.add", count=2)
    assert [c.ok for c in served.fake.calls("reactions.add")] == [False, True]


def test_already_reacted_counts_as_done(served, caplog):
    event = payloads.message_event(GOOD, channel="C1")
    served.send_event(event)
    served.fake.wait_for("reactions.add")
    served.send_event(event)  # a different event_id for the same message (e.g. a replay)
    served.fake.wait_for("reactions.add", count=2)
    served.settle()
    assert served.fake.calls("reactions.add")[1].error == "already_reacted"
    assert "result=already_reacted" in caplog.text
    assert "slack_call_failed" not in caplog.text


def test_reply_slack_error_is_logged_not_retried(served, caplog):
    served.fake.fail("chat.postMessage", error="channel_not_found")
    served.send_event(mention())
    served.fake.wait_for("chat.postMessage")
    served.settle()
    assert len(served.fake.calls("chat.postMessage")) == 1
    assert "error=channel_not_found" in caplog.text


def test_rate_limit_is_retried_after_retry_after(served):
    served.fake.fail("chat.postMessage", status=429, retry_after=1)
    served.send_event(mention())
    calls = served.fake.wait_for("chat.postMessage", count=2, timeout=6)
    served.settle()
    assert [c.status for c in calls] == [429, 200]
    assert calls[1].at - calls[0].at >= 0.95
    assert len(served.fake.ok_calls("chat.postMessage")) == 1


def test_rate_limit_longer_than_the_cap_gives_up_and_logs(served, caplog):
    served.fake.fail("reactions.add", status=429, retry_after=120)
    served.send_event(payloads.message_event(GOOD))
    served.fake.wait_for("reactions.add")
    served.settle()
    assert len(served.fake.calls("reactions.add")) == 1
    assert "error=ratelimited" in caplog.text and "status=429" in caplog.text


def test_server_error_is_retried_once(served):
    served.fake.fail("chat.postMessage", status=500)
    served.send_event(mention())
    calls = served.fake.wait_for("chat.postMessage", count=2, timeout=6)
    served.settle()
    assert [c.status for c in calls] == [500, 200]


def test_persistent_server_error_gives_up_without_crashing(served, caplog):
    served.fake.fail("chat.postMessage", status=503, times=5)
    served.send_event(mention())
    served.fake.wait_for("chat.postMessage", count=2, timeout=6)
    served.settle()
    assert len(served.fake.calls("chat.postMessage")) == 2
    assert "method=chat.postMessage" in caplog.text and "status=503" in caplog.text
    served.fake.clear()
    served.send_event(mention())
    served.fake.wait_for("chat.postMessage")


def test_timeout_is_logged_and_not_retried(served, caplog):
    # The fake answers after the client gave up; it may have posted, so a retry could duplicate.
    served.fake.fail("chat.postMessage", delay=1.6)
    served.send_event(mention())
    served.fake.wait_for("chat.postMessage", timeout=6)
    served.settle()
    time.sleep(0.2)
    assert len(served.fake.calls("chat.postMessage")) == 1
    assert "error=TimeoutError" in caplog.text or "error=timeout" in caplog.text


def test_response_url_server_error_is_retried(served):
    served.fake.fail(RESPONSE_URL_METHOD, status=500)
    served.command("this is great and good")
    calls = served.fake.wait_for(RESPONSE_URL_METHOD, count=2, timeout=6)
    assert [c.status for c in calls] == [500, 200]


def test_response_url_rate_limit_is_retried(served):
    served.fake.fail(RESPONSE_URL_METHOD, status=429, retry_after=1)
    served.command("this is great and good")
    calls = served.fake.wait_for(RESPONSE_URL_METHOD, count=2, timeout=6)
    assert [c.status for c in calls] == [429, 200]


def test_response_url_failure_is_logged(served, caplog):
    served.fake.fail(RESPONSE_URL_METHOD, status=404, error="expired_url")
    served.command("this is great and good")
    served.fake.wait_for(RESPONSE_URL_METHOD)
    served.settle()
    assert "method=response_url" in caplog.text and "status=404" in caplog.text


def test_model_failure_on_one_message_does_not_stop_the_next(served, caplog):
    served.send_event(payloads.message_event("this will explode"))
    served.send_event(payloads.message_event(GOOD))
    served.fake.wait_for("reactions.add")
    served.settle()
    assert "error=RuntimeError" in caplog.text
    assert len(served.fake.ok_calls("reactions.add")) == 1


def test_model_failure_on_mention_and_command_apologises(served):
    served.send_event(mention("explode please"))
    served.command("explode please")
    (reply,) = served.fake.wait_for("chat.postMessage")
    (answer,) = served.fake.wait_for(RESPONSE_URL_METHOD)
    assert reply.params["text"].startswith("Sorry, something went wrong")
    assert answer.params["text"].startswith("Sorry, something went wrong")
    assert answer.params["response_type"] == "ephemeral"


def test_conversations_replies_error_is_handled(served, caplog):
    served.fake.add_message("C1", "500.000001", "this is great and good")
    served.fake.fail("conversations.replies", error="not_in_channel")
    served.send_event(mention("", thread_ts="500.000001"))
    (reply,) = served.fake.wait_for("chat.postMessage")
    assert reply.params["text"].startswith("I couldn't read this thread")
    assert "method=conversations.replies" in caplog.text and "error=not_in_channel" in caplog.text


def test_unreachable_slack_is_logged_not_crashing(caplog):
    with served_app(slack_timeout_seconds=1.0) as served:
        served.fake.stop()  # Slack goes away after startup
        served.send_event(payloads.message_event(GOOD))
        served.settle(timeout=15)
        assert "slack_call_failed method=reactions.add" in caplog.text
