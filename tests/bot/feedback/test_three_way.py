"""Three-way verdicts: "Neutral" with the three probabilities, no side forced, no reaction.

The model-v3 interface (``prediction.verdict``, ``prediction.probabilities``, ``Verdict.NEUTRAL``)
through a keyword stand-in, so each test knows what the "model" says.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from bot import replies
from bot.feedback import buttons, store
from bot.feedback.buttons import Rating
from bot.feedback.store import BucketCount
from bot.mood.workspace import Workspace
from bot.settings import Settings
from model.prediction import Prediction
from tests.helpers import slack_requests as payloads
from tests.helpers.fake_slack import RESPONSE_URL_METHOD
from tests.helpers.slack_app import KeywordPredictor, served_app

NEUTRAL_PROBS = {"neutral": 0.81, "positive": 0.12, "negative": 0.07}


def neutral(known: int = 6, words: int = 6) -> Prediction:
    return Prediction("positive", 0.55, 0.55, known, words, ["standup"], "neutral", NEUTRAL_PROBS)


class ThreeWayPredictor(KeywordPredictor):
    """The keyword stand-in, three-way: no sentiment word at all means neutral."""

    def predict(self, texts):
        out = []
        for p in super().predict(texts):
            if not p.key_words:
                forced = replace(p, confidence=0.9, score=0.9)  # a confident forced side
                out.append(replace(forced, verdict="neutral", probabilities=NEUTRAL_PROBS))
                continue
            other = "negative" if p.label == "positive" else "positive"
            probs = {p.label: p.confidence - 0.04, other: 0.02, "neutral": 0.02 + 1 - p.confidence}
            out.append(replace(p, verdict=p.label, probabilities=probs))
        return out


def _value(message, agreed=True):
    (block,) = [b for b in message["blocks"] if b["type"] == "context_actions"]
    key = "positive_button" if agreed else "negative_button"
    return block["elements"][0][key]["value"]


def test_neutral_says_so_with_the_three_probabilities():
    message = replies.result_message(neutral(), Settings())
    section = message["blocks"][0]["text"]["text"]
    assert section == ":neutral_face: *Neutral* \u00b7 81% \u00b7 positive 12% \u00b7 negative 7%"
    assert message["text"] == "Neutral, 81%. positive 12%, negative 7%."
    assert "Leaning" not in json.dumps(message) and "not confident" not in json.dumps(message)
    assert buttons.decode(_value(message)) == Rating("neutral", 80, True)


def test_a_polar_three_way_verdict_states_its_own_probability():
    probs = {"positive": 0.86, "negative": 0.04, "neutral": 0.10}
    p = Prediction("positive", 0.96, 0.96, 8, 8, ["great"], "positive", probs)
    message = replies.result_message(p, Settings())
    assert ":slightly_smiling_face: *Positive* \u00b7 86% confident" in json.dumps(
        message["blocks"], ensure_ascii=False
    )
    assert buttons.decode(_value(message, False)) == Rating("positive", 80, False)


def test_too_few_known_words_still_wins_over_neutral():
    message = replies.result_message(neutral(known=1, words=6), Settings())
    assert "I can't tell" in message["text"]


@pytest.fixture
def served(tmp_path):
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    with served_app(ThreeWayPredictor(), database_url=url) as served:
        yield served


def test_neutral_chat_gets_no_reaction_and_a_neutral_answer_can_be_rated(served):
    served.send_event(payloads.message_event("standup at ten in the usual room"))
    served.send_event(payloads.message_event("the demo was great and wonderful", ts="9.000001"))
    served.fake.wait_for("reactions.add")
    served.settle()
    (reaction,) = served.fake.calls("reactions.add")
    assert reaction.params["timestamp"] == "9.000001"

    served.command("standup at ten in the usual room")
    (answer,) = served.fake.wait_for(RESPONSE_URL_METHOD)
    served.settle()
    assert answer.params["text"].startswith("Neutral, 81%.")
    value = _value(answer.params)
    served.fake.clear()
    press = {
        "type": "block_actions",
        "team": {"id": "T0000FAKE"},
        "user": {"id": "UPRESSER1", "team_id": "T0000FAKE"},
        "container": {
            "type": "message",
            "message_ts": "5.000001",
            "channel_id": "C0000GEN",
            "is_ephemeral": True,
        },
        "response_url": served.fake.response_url("neutral"),
        "trigger_id": "1.neutral",
        "actions": [
            {
                "type": "feedback_buttons",
                "action_id": buttons.ACTION_ID,
                "block_id": buttons.BLOCK_ID,
                "value": value,
                "action_ts": "5.5",
            }
        ],
    }
    served.post(payloads.interactive_body(press), "application/x-www-form-urlencoded")
    served.settle()
    counts = store.counts(served.mood.engine, Workspace("T0000FAKE"))
    assert counts == [BucketCount("neutral", 80, 1, 0)]
    (replaced,) = served.fake.calls(RESPONSE_URL_METHOD)
    assert "*Neutral*" in replaced.params["blocks"][0]["text"]["text"]
