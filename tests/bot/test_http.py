"""HTTP mode, driven the way Slack drives it: signed requests to /slack/events over a socket.

The real Bolt app runs behind the real WSGI server; its WebClient talks to the fake Slack Web
API, whose recorded calls are what these tests check.
"""

from __future__ import annotations

import json
import time
import urllib.request

import pytest

from bot.console import slack_requests as payloads
from tests.helpers.fake_slack import RESPONSE_URL_METHOD
from tests.helpers.slack_app import SECRET, served_app

BOT = "UBOT0001"  # the fake's auth.test user_id


@pytest.fixture(scope="module")
def served():
    with served_app() as s:
        yield s


@pytest.fixture
def s(served):
    served.settle()
    served.fake.clear()
    served.predictor.texts.clear()
    return served


def reactions(s):
    return [
        (c.params["channel"], c.params["timestamp"], c.params["name"])
        for c in s.fake.ok_calls("reactions.add")
    ]


# --- request verification -------------------------------------------------------------------


def test_url_verification_challenge(s):
    body = json.dumps({"type": "url_verification", "challenge": "abc123", "token": "x"})
    status, text = s.post(body, "application/json")
    assert status == 200 and json.loads(text)["challenge"] == "abc123"


def test_bad_signature_is_401_and_nothing_happens(s):
    body = payloads.json_body(
        payloads.event_callback(payloads.message_event("this is great and good"))
    )
    headers = payloads.sign("wrong-secret", body)
    status, _ = s.post(body, "application/json", headers)
    assert status == 401
    s.settle()
    assert s.fake.calls() == [] and s.predictor.texts == []


def test_stale_timestamp_is_401(s):
    body = payloads.json_body(
        payloads.event_callback(payloads.message_event("this is great and good"))
    )
    headers = payloads.sign(SECRET, body, timestamp=int(time.time()) - 600)
    status, _ = s.post(body, "application/json", headers)
    assert status == 401
    s.settle()
    assert s.fake.calls() == []


def test_healthz(s):
    with urllib.request.urlopen(s.url + "/healthz", timeout=5) as response:
        assert response.status == 200


# --- /sentiment --------------------------------------------------------------------------------


def test_command_acks_at_once_then_answers_ephemerally(s):
    started = time.monotonic()
    status, body = s.command("what a wonderful and happy day")
    assert status == 200 and body == ""
    assert time.monotonic() - started < 1.0
    (call,) = s.fake.wait_for(RESPONSE_URL_METHOD)
    assert call.params["response_type"] == "ephemeral"
    assert call.params["text"].startswith("Positive, 99% confident. Key words: wonderful, happy")
    section, context = call.params["blocks"]
    assert section["type"] == "section" and "*Positive*" in section["text"]["text"]
    assert context["type"] == "context" and "*wonderful*" in context["elements"][0]["text"]
    assert s.fake.calls("chat.postMessage") == []


def test_command_ack_does_not_wait_for_a_slow_model(s, monkeypatch):
    original = s.predictor.predict

    def slow(texts):
        time.sleep(1.5)
        return original(texts)

    monkeypatch.setattr(s.predictor, "predict", slow)
    started = time.monotonic()
    status, _ = s.command("this is great and good")
    assert status == 200 and time.monotonic() - started < 1.0
    s.fake.wait_for(RESPONSE_URL_METHOD, timeout=5)


@pytest.mark.parametrize("text", ["", "help", "  HELP "])
def test_command_help(s, text):
    s.command(text)
    (call,) = s.fake.wait_for(RESPONSE_URL_METHOD)
    assert call.params["response_type"] == "ephemeral"
    assert call.params["text"].startswith("Usage: /sentiment TEXT")
    assert s.predictor.texts == []


def test_command_public_flag_shares_with_the_channel(s):
    s.command("--public this build is terrible and broken", user_id="UALICE")
    (call,) = s.fake.wait_for(RESPONSE_URL_METHOD)
    assert call.params["response_type"] == "in_channel"
    assert "<@UALICE> asked about" in call.params["blocks"][0]["elements"][0]["text"]
    assert "this build is terrible and broken" in call.params["text"]
    assert "Negative" in call.params["text"]


def test_command_text_is_cleaned_before_the_model(s):
    s.command("<@U999|bob> says &lt;3 this is great :tada: `code`")
    s.fake.wait_for(RESPONSE_URL_METHOD)
    assert s.predictor.texts == ["says heart this is great tada"]


def test_command_with_too_few_known_words_says_so(s):
    s.command("zzyzx bzzt great")
    (call,) = s.fake.wait_for(RESPONSE_URL_METHOD)
    assert call.params["text"].startswith("I can't tell: I only know 1 of the 3 words")


def test_command_with_only_markup_has_no_words(s):
    s.command("<@U2> <https://example.com> `code`")
    (call,) = s.fake.wait_for(RESPONSE_URL_METHOD)
    assert "no words" in call.params["text"] and s.predictor.texts == []


# --- @-mentions --------------------------------------------------------------------------------


def test_mention_replies_in_thread_with_mention_removed(s):
    event = payloads.app_mention_event(f"<@{BOT}> this team is great and amazing", channel="C1")
    s.send_event(event)
    (call,) = s.fake.wait_for("chat.postMessage")
    assert call.params["channel"] == "C1" and call.params["thread_ts"] == event["ts"]
    assert call.params["text"].startswith("Positive")
    assert s.predictor.texts == ["this team is great and amazing"]


def test_mention_inside_thread_replies_in_that_thread(s):
    event = payloads.app_mention_event(
        f"<@{BOT}> so bad and awful", channel="C1", thread_ts="100.000001"
    )
    s.send_event(event)
    (call,) = s.fake.wait_for("chat.postMessage")
    assert call.params["thread_ts"] == "100.000001"
    assert call.params["text"].startswith("Negative")


def test_bare_mention_in_thread_judges_the_parent(s):
    s.fake.add_message("C1", "200.000001", "<@UALICE> the launch went great, love it")
    event = payloads.app_mention_event(f"<@{BOT}>", channel="C1", thread_ts="200.000001")
    s.send_event(event)
    (call,) = s.fake.wait_for("chat.postMessage")
    replies_call = s.fake.calls("conversations.replies")[0]
    assert replies_call.params["channel"] == "C1" and replies_call.params["ts"] == "200.000001"
    assert call.params["thread_ts"] == "200.000001"
    assert "Positive" in call.params["text"] and "thread's first message" in call.params["text"]
    assert s.predictor.texts == ["the launch went great, love it"]


def test_bare_mention_outside_thread_explains_usage(s):
    s.send_event(payloads.app_mention_event(f"<@{BOT}>", channel="C1"))
    (call,) = s.fake.wait_for("chat.postMessage")
    assert call.params["text"].startswith("Mention me with some text")
    assert s.predictor.texts == []


def test_bare_mention_in_unreadable_thread_says_so(s):
    s.send_event(payloads.app_mention_event(f"<@{BOT}>", channel="C1", thread_ts="300.000009"))
    (call,) = s.fake.wait_for("chat.postMessage")
    assert call.params["text"].startswith("I couldn't read this thread")


def test_mention_is_also_a_message_but_gets_exactly_one_reply(s):
    ts = payloads.new_ts()
    text = f"<@{BOT}> this is great and wonderful news"
    s.send_event(payloads.app_mention_event(text, channel="C1", ts=ts))
    s.send_event(payloads.message_event(text, channel="C1", ts=ts))
    s.settle()
    assert len(s.fake.calls("chat.postMessage")) == 1
    assert s.fake.calls("reactions.add") == []


def test_mention_from_a_bot_is_ignored(s):
    s.send_event(payloads.app_mention_event(f"<@{BOT}> great great", bot_id="B999"))
    s.settle()
    assert s.fake.calls("chat.postMessage") == []


# --- channel messages -------------------------------------------------------------------------


def test_confident_positive_message_gets_positive_reaction(s):
    event = payloads.message_event("the demo was great and the team loved it", channel="C1")
    status, _ = s.send_event(event)
    assert status == 200
    s.fake.wait_for("reactions.add")
    assert reactions(s) == [("C1", event["ts"], "slightly_smiling_face")]


def test_confident_negative_message_gets_negative_reaction(s):
    event = payloads.message_event("this outage is terrible and awful", channel="C1")
    s.send_event(event)
    s.fake.wait_for("reactions.add")
    assert reactions(s) == [("C1", event["ts"], "slightly_frowning_face")]


@pytest.mark.parametrize(
    "text",
    [
        "standup at 10 in the big room",  # neutral: no sentiment words, 55% "positive"
        "good but bad overall today",  # balanced
        "great",  # confident but too few known words
        "zzap zzop zzup zzed great good",  # known words are a minority
        "<@U2> <https://example.com> `code`",  # nothing left after cleaning
    ],
)
def test_neutral_or_unsure_messages_get_no_reaction(s, text):
    s.send_event(payloads.message_event(text, channel="C1"))
    s.settle()
    assert s.fake.calls() == []


@pytest.mark.parametrize(
    "extra",
    [
        {"bot_id": "B123"},  # any bot, even without a subtype
        {"subtype": "bot_message", "bot_id": "B123"},
        {"user": BOT},  # the bot itself
        {"subtype": "message_changed"},
        {"subtype": "message_deleted"},
        {"subtype": "channel_join"},
        {"subtype": "channel_leave"},
        {"subtype": "channel_topic"},
        {"hidden": True},
        {"channel_type": "im", "channel": "D123"},  # no reactions in DMs
        {"channel_type": "mpim", "channel": "G123"},
    ],
)
def test_ignored_messages(s, extra):
    event = payloads.message_event("the demo was great and the team loved it", channel="C1")
    event.update(extra)
    s.send_event(event)
    s.settle()
    assert s.fake.calls() == []


def test_file_share_with_text_is_analysed(s):
    event = payloads.message_event(
        "great screenshot, I love this design", subtype="file_share", files=[{"id": "F1"}]
    )
    s.send_event(event)
    s.fake.wait_for("reactions.add")
    assert reactions(s)[0][2] == "slightly_smiling_face"


def test_file_share_without_text_is_skipped(s):
    s.send_event(payloads.message_event("", subtype="file_share", files=[{"id": "F1"}]))
    s.settle()
    assert s.fake.calls() == []


def test_thread_broadcast_is_analysed(s):
    event = payloads.message_event(
        "this fix is great and wonderful", subtype="thread_broadcast", thread_ts="100.000001"
    )
    s.send_event(event)
    s.fake.wait_for("reactions.add")


def test_thread_reply_is_analysed_by_default(s):
    s.send_event(payloads.message_event("this is great and good", thread_ts="100.000001"))
    s.fake.wait_for("reactions.add")


def test_reaction_text_is_cleaned_before_the_model(s):
    s.send_event(payloads.message_event("&gt; awful quote\n<@U1> thanks, this is great :tada:"))
    s.fake.wait_for("reactions.add")
    assert s.predictor.texts == ["thanks, this is great tada"]


# --- redeliveries ------------------------------------------------------------------------------


def test_same_event_id_twice_gives_one_reaction(s):
    event = payloads.message_event("the demo was great and the team loved it")
    s.send_event(event, event_id="EvDUP1")
    s.send_event(event, event_id="EvDUP1")
    s.settle()
    assert len(s.fake.calls("reactions.add")) == 1


def test_same_mention_event_id_twice_gives_one_reply(s):
    event = payloads.app_mention_event(f"<@{BOT}> this is great and good")
    s.send_event(event, event_id="EvDUP2")
    s.send_event(event, event_id="EvDUP2")
    s.settle()
    assert len(s.fake.calls("chat.postMessage")) == 1


def test_slack_retry_header_redelivery_gives_no_second_reply(s):
    event = payloads.app_mention_event(f"<@{BOT}> this is great and good")
    s.send_event(event, event_id="EvDUP3")
    status, _ = s.send_event(
        event,
        event_id="EvDUP3",
        **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    assert status == 200
    s.settle()
    assert len(s.fake.calls("chat.postMessage")) == 1


def test_a_redelivery_whose_original_never_arrived_is_answered_once(s):
    # One process: its own record saw every delivery, so a redelivery of an event it never saw
    # (the original was lost, say in a restart) is answered, and only once.
    event = payloads.app_mention_event(f"<@{BOT}> this is great and good")
    status, _ = s.send_event(event, event_id="EvOTHER", **{"X-Slack-Retry-Num": "2"})
    assert status == 200
    s.send_event(event, event_id="EvOTHER", **{"X-Slack-Retry-Num": "3"})
    s.settle()
    assert len(s.fake.calls("chat.postMessage")) == 1


def test_retries_can_be_dropped_when_configured():
    with served_app(process_slack_retries=False) as s:
        event = payloads.message_event("this is great and good")
        s.send_event(event, event_id="EvR1", **{"X-Slack-Retry-Num": "1"})
        s.settle()
        assert s.fake.calls("reactions.add") == []


# --- reaction settings ------------------------------------------------------------------------

GOOD = "the demo was great and the team loved it"


@pytest.mark.parametrize(
    ("overrides", "event_extra", "reacts"),
    [
        ({"reactions_enabled": False}, {}, False),
        ({"reaction_channels": frozenset({"C1"})}, {"channel": "C1"}, True),
        ({"reaction_channels": frozenset({"C1"})}, {"channel": "C2"}, False),
        ({"reaction_channels_deny": frozenset({"C2"})}, {"channel": "C2"}, False),
        ({"reaction_channels_deny": frozenset({"C2"})}, {"channel": "C1"}, True),
        ({"react_in_threads": False}, {"thread_ts": "1.000001"}, False),
        (
            {"react_in_threads": False},
            {"thread_ts": "1.000001", "subtype": "thread_broadcast"},
            True,
        ),
        ({"reaction_threshold": 0.995}, {}, False),
        ({"min_known_words": 20}, {}, False),
        ({"channel_type_group": True}, {"channel": "G1", "channel_type": "group"}, True),
    ],
)
def test_reaction_settings(overrides, event_extra, reacts):
    overrides.pop("channel_type_group", None)
    with served_app(**overrides) as s:
        event = payloads.message_event(GOOD, channel="C1")
        event.update(event_extra)
        s.send_event(event)
        s.settle()
        assert bool(s.fake.calls("reactions.add")) is reacts


def test_custom_emoji_and_command_name():
    with served_app(
        positive_emoji="thumbsup", negative_emoji="thumbsdown", sentiment_command="/mood"
    ) as s:
        s.send_event(payloads.message_event(GOOD))
        s.send_event(payloads.message_event("this is terrible and awful"))
        s.command("this is great and good")
        s.fake.wait_for(RESPONSE_URL_METHOD)
        s.settle()
        assert sorted(c.params["name"] for c in s.fake.calls("reactions.add")) == [
            "thumbsdown",
            "thumbsup",
        ]
