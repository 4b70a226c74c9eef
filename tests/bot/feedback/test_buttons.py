"""The feedback buttons' Block Kit and the value they carry: all a press needs, nothing more."""

from __future__ import annotations

import pytest

from bot import replies
from bot.feedback import buttons
from bot.feedback.buttons import Rating
from bot.settings import Settings
from model.prediction import Prediction


@pytest.mark.parametrize(
    ("confidence", "bucket"),
    [(0.0, 0), (0.34, 30), (0.5, 50), (0.599, 50), (0.6, 60), (0.93, 90), (0.999, 90), (1.0, 90)],
)
def test_bucket_is_the_lower_tenth(confidence, bucket):
    assert buttons.bucket_of(confidence) == bucket


@pytest.mark.parametrize("verdict", buttons.VERDICTS)
@pytest.mark.parametrize("agreed", [True, False])
def test_value_round_trips(verdict, agreed):
    value = buttons.encode(verdict, 70, agreed)
    assert buttons.decode(value) == Rating(verdict, 70, agreed)
    assert len(value) <= 32


@pytest.mark.parametrize(
    "value",
    [None, "", "in", "fb1:positive:75:y", "fb1:happy:70:y", "fb2:positive:70:y",
     "fb1:positive:70:maybe", "fb1:positive:100:y", "fb1:positive:70:y:extra", 7, "x" * 100],
)  # fmt: skip
def test_values_this_bot_did_not_write_are_refused(value):
    assert buttons.decode(value) is None


def test_block_is_slacks_feedback_buttons_in_context_actions():
    block = buttons.feedback_block("negative", 0.87)
    assert block["type"] == "context_actions" and block["block_id"] == buttons.BLOCK_ID
    (element,) = block["elements"]
    assert element["type"] == "feedback_buttons" and element["action_id"] == buttons.ACTION_ID
    assert element["positive_button"]["text"]["text"] == "\U0001f44d"
    assert element["negative_button"]["text"]["text"] == "\U0001f44e"
    assert buttons.decode(element["positive_button"]["value"]) == Rating("negative", 80, True)
    assert buttons.decode(element["negative_button"]["value"]) == Rating("negative", 80, False)


def test_modals_get_plain_buttons_with_the_same_values():
    block = buttons.feedback_block("positive", 0.62)
    plain = buttons.as_plain_buttons(block)
    assert plain["type"] == "actions"
    agree, disagree = plain["elements"]
    assert {agree["type"], disagree["type"]} == {"button"}
    assert buttons.ACTIONS.match(agree["action_id"]) and buttons.ACTIONS.match(
        disagree["action_id"]
    )
    assert buttons.decode(agree["value"]) == Rating("positive", 60, True)
    assert buttons.decode(disagree["value"]) == Rating("positive", 60, False)
    other = {"type": "section", "text": {"type": "mrkdwn", "text": "x"}}
    assert buttons.as_plain_buttons(other) is other


def test_rated_replaces_the_buttons_by_thanks():
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "Positive"}}
    out = buttons.rated([section, buttons.feedback_block("positive", 0.9)])
    assert out[0] == section and out[1]["type"] == "context"
    assert "Thanks \u2014 noted" in out[1]["elements"][0]["text"]
    assert buttons.rated(out) == out  # a second replacement changes nothing


def _pred(confidence, known=10, words=12):
    return Prediction("positive", confidence, confidence, known, words, ["great"])


@pytest.mark.parametrize("confidence", [0.95, 0.6])
def test_verdicts_carry_buttons(confidence):
    message = replies.result_message(_pred(confidence), Settings())
    assert message["blocks"][-1]["type"] == "context_actions"
    modal = replies.modal_view("Sentiment", message)
    assert [b["type"] for b in modal["blocks"]][-1] == "actions"
    assert not [b for b in modal["blocks"] if b["type"] == "context_actions"]


def test_no_buttons_when_there_is_no_verdict():
    settings = Settings()
    for message in (
        replies.result_message(_pred(0.97, known=1, words=6), settings),  # I can't tell
        replies.result_message(_pred(0.97, known=0, words=0), settings),
        replies.help_message(settings),
        replies.mention_help_message(settings),
        replies.failure_message(),
        replies.thread_unreadable_message(),
    ):
        assert not [b for b in message["blocks"] if b["type"] in {"context_actions", "actions"}]
