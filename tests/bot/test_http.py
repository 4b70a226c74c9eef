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
def shared_app():
    with served_app() as app:
        yield app


@pytest.fixture
def served(shared_app):
    shared_app.settle()
    shared_app.fake.clear()
    shared_app.predictor.texts.clear()
    return shared_app


def reactions(served):
    return [
        (c.params["channel"], c.params["timestamp"], c.params["name"])
        for c in served.fake.ok_calls("reactions.add")
    ]


# --- request verification -------------------------------------------------------------------


def test_url_verification_challenge(served):
    body = json.dumps({"type": "url_verification", "challenge": "abc123", "token": "x"})
    status, text = served.post(body, "application/json")
    assert status == 200 and json.loads(text)["challenge"] == "abc123"


def test_bad_signature_is_401_and_nothing_happens(served):
    body = payloads.json_body(
        payloads.event_callback(payloads.message_event("this is great and good"))
    )
    headers = payloads.sign("wrong-secret", body)
    status, _ = served.post(body, "application/json", headers)
    assert status == 401
    served.settle()
    assert served.fake.calls() == [] and served.predictor.texts == []


def test_stale_timestamp_is_401(served):
    body = payloads.json_body(
        payloads.event_callback(payloads.message_event("this is great and good"))
    )
    headers = payloads.sign(SECRET, body, timestamp=int(time.time()) - 600)
    status, _ = served.post(body, "application/json", headers)
    assert status == 401
    served.settle()
    assert served.fake.calls() == []


def test_healthz(served):
    with urllib.request.urlopen(served.url + "/healthz", timeout=5) as response:
        assert response.status == 200


# --- /sentiment --------------------------------------------------------------------------------


def test_command_acks_at_once_then_answers_ephemerally(served):
    started = time.monotonic()
    status, body = served.command("what a wonderful and happy day")
    assert status == 200 and body == ""
    assert time.monotonic() - started < 1.0
    (call,) = served.fake.wait_for(RESPONSE_URL_METHOD)
    assert call.params["response_type"] == "ephemeral"
    assert call.params["text"].startswith("Positive, 99% confident. Key words: wonderful, happy")
    section, context, feedback = call.params["blocks"]
    assert section["type"] == "section" and "*Positive*" in section["text"]["text"]
    assert context["type"] == "context" and "*wonderful*" in context["elements"][0]["text"]
    assert feedback["type"] == "context_actions"
    assert served.fake.calls("chat.postMessage") == []


def test_command_ack_does_not_wait_for_a_slow_model(served, monkeypatch):
    original = served.predictor.predict

    def slow(texts):
        time.sleep(1.5)
        return original(texts)

    monkeypatch.setattr(served.predictor, "predict", slow)
    started = time.monotonic()
    status, _ = served.command("this is great and good")
    assert status == 200 and time.monotonic() - started < 1.0
    served.fake.wait_for(RESPONSE_URL_METHOD, timeout=5)


@pytest.mark.parametrize("text", ["", "help", "  HELP "])
def test_command_help(served, text):
    served.command(text)
    (call,) = served.fake.wait_for(RESPONSE_URL_METHOD)
    assert call.params["response_type"] == "ephemeral"
    assert call.params["text"].startswith("Usage: /sentiment TEXT")
    assert served.predictor.texts == []


def test_command_public_flag_shares_with_the_channel(served):
    served.command("--public this build is terrible and broken", user_id="UALICE")
    (call,) = served.fake.wait_for(RESPONSE_URL_METHOD)
    assert call.params["response_type"] == "in_channel"
    assert "<@UALICE> asked about" in call.params["blocks"][0]["elements"][0]["text"]
    assert "this build is terrible and broken" in call.params["text"]
    assert "Negative" in call.params["text"]


def test_command_text_is_cleaned_before_the_model(served):
    served.command("<@U999|bob> says &lt;3 this is great :tada: `code`")
    served.fake.wait_for(RESPONSE_URL_METHOD)
    assert served.predictor.texts == [
        "says heart this is great :tada:"
    ]  # shortcodes reach the model


def test_command_with_too_few_known_words_says_so(served):
    served.command("zzyzx bzzt great")
    (call,) = served.fake.wait_for(RESPONSE_URL_METHOD)
    assert call.params["text"].startswith("I can't tell: I only know 1 of the 3 words")


def test_command_with_only_markup_has_no_words(served):
    served.command("<@U2> <https://example.com> `code`")
    (call,) = served.fake.wait_for(RESPONSE_URL_METHOD)
    assert "no words" in call.params["text"] and served.predictor.texts == []


# --- @-mentions --------------------------------------------------------------------------------


def test_mention_replies_in_thread_with_mention_removed(served):
    event = payloads.app_mention_event(f"<@{BOT}> this team is great and amazing", channel="C1")
    served.send_event(event)
    (call,) = served.fake.wait_for("chat.postMessage")
    assert call.params["channel"] == "C1" and call.params["thread_ts"] == event["ts"]
    assert call.params["text"].startswith("Positive")
    assert served.predictor.texts == ["this team is great and amazing"]


def test_mention_inside_thread_replies_in_that_thread(served):
    event = payloads.app_mention_event(
        f"<@{BOT}> so bad and awful", channel="C1", thread_ts="100.000001"
    )
    served.send_event(event)
    (call,) = served.fake.wait_for("chat.postMessage")
    assert call.params["thread_ts"] == "100.000001"
    assert call.params["text"].startswith("Negative")


def test_bare_mention_in_thread_judges_the_parent(served):
    served.fake.add_message("C1", "200.000001", "<@UALICE> the launch went great, love it")
    event = payloads.app_mention_event(f"<@{BOT}>", channel="C1", thread_ts="200.000001")
    served.send_event(event)
    (call,) = served.fake.wait_for("chat.postMessage")
    replies_call = served.fake.calls("conversations.replies")[0]
    assert replies_call.params["channel"] == "C1" and replies_call.params["ts"] == "200.000001"
    assert call.params["thread_ts"] == "200.000001"
    assert "Positive" in call.params["text"] and "thread's first message" in call.params["text"]
    assert served.predictor.texts == ["the launch went great, love it"]


def test_bare_mention_outside_thread_explains_usage(served):
    served.send_event(payloads.app_mention_event(f"<@{BOT}>", channel="C1"))
    (call,) = served.fake.wait_for("chat.postMessage")
    assert call.params["text"].startswith("Mention me with some text")
    assert served.predictor.texts == []


def test_bare_mention_in_unreadable_thread_says_so(served):
    served.send_event(payloads.app_mention_event(f"<@{BOT}>", channel="C1", thread_ts="300.000009"))
    (call,) = served.fake.wait_for("chat.postMessage")
    assert call.params["text"].startswith("I couldn't read this thread")


def test_mention_is_also_a_message_but_gets_exactly_one_reply(served):
    ts = payloads.new_ts()
    text = f"<@{BOT}> this is great and wonderful news"
    served.send_event(payloads.app_mention_event(text, channel="C1", ts=ts))
    served.send_event(payloads.message_event(text, channel="C1", ts=ts))
    served.settle()
    assert len(served.fake.calls("chat.postMessage")) == 1
    assert served.fake.calls("reactions.add") == []


def test_mention_from_a_bot_is_ignored(served):
    served.send_event(payloads.app_mention_event(f"<@{BOT}> great great", bot_id="B999"))
    served.settle()
    assert served.fake.calls("chat.postMessage") == []


# --- channel messages -------------------------------------------------------------------------


def test_confident_positive_message_gets_positive_reaction(served):
    event = payloads.message_event("the demo was great and the team loved it", channel="C1")
    status, _ = served.send_event(event)
    assert status == 200
    served.fake.wait_for("reactions.add")
    assert reactions(served) == [("C1", event["ts"], "slightly_smiling_face")]


def test_confident_negative_message_gets_negative_reaction(served):
    event = payloads.message_event("this outage is terrible and awful", channel="C1")
    served.send_event(event)
    served.fake.wait_for("reactions.add")
    assert reactions(served) == [("C1", event["ts"], "slightly_frowning_face")]


@pytest.mark.parametrize(
    "text",
    [
        "standup at 10 in the big room",  # neutral: no sentiment words, 55% "positive"
        "good but bad overall today",  # balanced
        "great zzap zzop",  # confident but too few known words
        "zzap zzop zzup zzed great good",  # known words are a minority
        "<@U2> <https://example.com> `code`",  # nothing left after cleaning
    ],
)
def test_neutral_or_unsure_messages_get_no_reaction(served, text):
    served.send_event(payloads.message_event(text, channel="C1"))
    served.settle()
    assert served.fake.calls() == []


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
def test_ignored_messages(served, extra):
    event = payloads.message_event("the demo was great and the team loved it", channel="C1")
    event.update(extra)
    served.send_event(event)
    served.settle()
    assert served.fake.calls() == []


def test_file_share_with_text_is_analysed(served):
    event = payloads.message_event(
        "great screenshot, I love this design", subtype="file_share", files=[{"id": "F1"}]
    )
    served.send_event(event)
    served.fake.wait_for("reactions.add")
    assert reactions(served)[0][2] == "slightly_smiling_face"


def test_file_share_without_text_is_skipped(served):
    served.send_event(payloads.message_event("", subtype="file_share", files=[{"id": "F1"}]))
    served.settle()
    assert served.fake.calls() == []


def test_thread_broadcast_is_analysed(served):
    event = payloads.message_event(
        "this fix is great and wonderful", subtype="thread_broadcast", thread_ts="100.000001"
    )
    served.send_event(event)
    served.fake.wait_for("reactions.add")


def test_thread_reply_is_analysed_by_default(served):
    served.send_event(payloads.message_event("this is great and good", thread_ts="100.000001"))
    served.fake.wait_for("reactions.add")


def test_reaction_text_is_cleaned_before_the_model(served):
    served.send_event(
        payloads.message_event("&gt; awful quote\n<@U1> thanks, this is great :tada:")
    )
    served.fake.wait_for("reactions.add")
    assert served.predictor.texts == ["thanks, this is great :tada:"]


# --- redeliveries ------------------------------------------------------------------------------


def test_same_event_id_twice_gives_one_reaction(served):
    event = payloads.message_event("the demo was great and the team loved it")
    served.send_event(event, event_id="EvDUP1")
    served.send_event(event, event_id="EvDUP1")
    served.settle()
    assert len(served.fake.calls("reactions.add")) == 1


def test_same_mention_event_id_twice_gives_one_reply(served):
    event = payloads.app_mention_event(f"<@{BOT}> this is great and good")
    served.send_event(event, event_id="EvDUP2")
    served.send_event(event, event_id="EvDUP2")
    served.settle()
    assert len(served.fake.calls("chat.postMessage")) == 1


def test_slack_retry_header_redelivery_gives_no_second_reply(served):
    event = payloads.app_mention_event(f"<@{BOT}> this is great and good")
    served.send_event(event, event_id="EvDUP3")
    status, _ = served.send_event(
        event,
        event_id="EvDUP3",
        **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    assert status == 200
    served.settle()
    assert len(served.fake.calls("chat.postMessage")) == 1


def test_a_redelivery_whose_original_never_arrived_is_answered_once(served):
    # One process: its own record saw every delivery, so a redelivery of an event it never saw
    # (the original was lost, say in a restart) is answered, and only once.
    event = payloads.app_mention_event(f"<@{BOT}> this is great and good")
    status, _ = served.send_event(event, event_id="EvOTHER", **{"X-Slack-Retry-Num": "2"})
    assert status == 200
    served.send_event(event, event_id="EvOTHER", **{"X-Slack-Retry-Num": "3"})
    served.settle()
    assert len(served.fake.calls("chat.postMessage")) == 1


def test_retries_can_be_dropped_when_configured():
    with served_app(process_slack_retries=False) as served:
        event = payloads.message_event("this is great and good")
        served.send_event(event, event_id="EvR1", **{"X-Slack-Retry-Num": "1"})
        served.settle()
        assert served.fake.calls("reactions.add") == []


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
        # MIN_KNOWN_WORDS guards text with unknown words; a message whose every word is known
        # (only emoji, say) needs one known word (model/verdict.py).
        ({"min_known_words": 20}, {"text": GOOD + " zzyzx"}, False),
        ({"min_known_words": 20}, {}, True),
        ({"channel_type_group": True}, {"channel": "G1", "channel_type": "group"}, True),
    ],
)
def test_reaction_settings(overrides, event_extra, reacts):
    overrides.pop("channel_type_group", None)
    with served_app(**overrides) as served:
        event = payloads.message_event(GOOD, channel="C1")
        event.update(event_extra)
        served.send_event(event)
        served.settle()
        assert bool(served.fake.calls("reactions.add")) is reacts


def test_custom_emoji_and_command_name():
    with served_app(
        positive_emoji="thumbsup", negative_emoji="thumbsdown", sentiment_command="/mood"
    ) as served:
        served.send_event(payloads.message_event(GOOD))
        served.send_event(payloads.message_event("this is terrible and awful"))
        served.command("this is great and good")
        served.fake.wait_for(RESPONSE_URL_METHOD)
        served.settle()
        assert sorted(c.params["name"] for c in served.fake.calls("reactions.add")) == [
            "thumbsdown",
            "thumbsup",
        ]
