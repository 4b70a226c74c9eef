"""The fake Slack Web API itself: answers, records, and fails on request."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from tests.helpers.fake_slack import RESPONSE_URL_METHOD, FakeSlack


@pytest.fixture
def fake():
    with FakeSlack() as f:
        yield f


@pytest.fixture
def client(fake):
    return WebClient(token="xoxb-t", base_url=fake.base_url, retry_handlers=[], timeout=2)


def test_answers_and_records_every_method(fake, client):
    assert client.auth_test()["user_id"] == fake.bot_user_id
    posted = client.chat_postMessage(channel="C1", text="hi", thread_ts="1.000001")
    assert posted["ts"] and posted["channel"] == "C1"
    assert client.reactions_add(channel="C1", timestamp="1.000001", name="tada")["ok"]
    with pytest.raises(SlackApiError) as info:
        client.reactions_add(channel="C1", timestamp="1.000001", name="tada")
    assert info.value.response["error"] == "already_reacted"
    assert WebhookClient(fake.response_url("x")).send_dict({"text": "t"}).status_code == 200
    methods = [c.method for c in fake.calls()]
    assert methods == [
        "auth.test",
        "chat.postMessage",
        "reactions.add",
        "reactions.add",
        RESPONSE_URL_METHOD,
    ]
    assert all(c.token == "xoxb-t" for c in fake.calls() if c.method != RESPONSE_URL_METHOD)
    assert fake.calls("chat.postMessage")[0].params["thread_ts"] == "1.000001"


def test_conversations_replies_returns_parent_first(fake, client):
    fake.add_message("C1", "5.000002", "reply", thread_ts="5.000001")
    fake.add_message("C1", "5.000001", "parent")
    messages = client.conversations_replies(channel="C1", ts="5.000001")["messages"]
    assert [m["text"] for m in messages] == ["parent", "reply"]
    with pytest.raises(SlackApiError, match="thread_not_found"):
        client.conversations_replies(channel="C1", ts="9.000000")


def test_queued_failures_are_used_in_order(fake, client):
    fake.fail("chat.postMessage", error="not_in_channel")
    fake.fail("chat.postMessage", status=429, retry_after=7, times=2)
    with pytest.raises(SlackApiError, match="not_in_channel"):
        client.chat_postMessage(channel="C1", text="x")
    for _ in range(2):
        with pytest.raises(SlackApiError) as info:
            client.chat_postMessage(channel="C1", text="x")
        assert info.value.response.status_code == 429
        assert info.value.response.headers["Retry-After"] == "7"
    assert client.chat_postMessage(channel="C1", text="x")["ok"]
    assert [c.status for c in fake.calls()] == [200, 429, 429, 200]
    assert [c.ok for c in fake.calls()] == [False, False, False, True]


def test_server_error_and_missing_token(fake):
    fake.fail("auth.test", status=503)
    anonymous = WebClient(base_url=fake.base_url, retry_handlers=[])
    with pytest.raises(SlackApiError):
        anonymous.auth_test()
    with pytest.raises(SlackApiError, match="not_authed"):
        anonymous.auth_test()
    assert [c.status for c in fake.calls("auth.test")] == [503, 200]


def test_users_info_and_conversations_list_answer_from_what_was_set(fake, client):
    fake.add_user("U0ALICE", "alice", is_admin=True)
    fake.set_members("C0DESIGN", [fake.bot_user_id, "U0ALICE"], name="design")
    alice = client.users_info(user="U0ALICE")["user"]
    assert (alice["name"], alice["is_admin"]) == ("alice", True)
    # Someone nobody set up is a plain member, as a channel nobody set up counts everyone.
    stranger = client.users_info(user="U0NOBODY")["user"]
    assert stranger["is_admin"] is False and stranger["id"] == "U0NOBODY"
    assert client.conversations_info(channel="C0DESIGN")["channel"]["name"] == "design"
    listed = client.conversations_list()["channels"]
    assert [(c["id"], c["name"], c["is_member"]) for c in listed] == [("C0DESIGN", "design", True)]
