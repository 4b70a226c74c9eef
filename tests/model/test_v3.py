"""Model v3 on the shipped artifact: three-way fields, the NEUTRAL verdict, emoji, team slang
and jargon (every phrase issue 15 names), and key words shown once."""

from __future__ import annotations

import math

import pytest

import model
from bot.slack.text import clean
from model.prediction import Prediction
from model.text import tokenize
from model.verdict import Verdict, VerdictRule
from model.workplace import KILL_COMMAND

RULE = VerdictRule()


@pytest.fixture(scope="module")
def predictor():
    return model.load_predictor()


def _predict(predictor, text: str) -> Prediction:
    return predictor.predict_one(clean(text))


def test_fields_and_probabilities_sum_to_one(predictor) -> None:
    for text in ["great work team", "the deploy is at 3pm", "", "🎉", "awful outage"]:
        p = predictor.predict_one(text)
        assert p.verdict in ("positive", "negative", "neutral")
        assert set(p.probabilities) == {"positive", "negative", "neutral"}
        assert math.isclose(sum(p.probabilities.values()), 1.0, abs_tol=1e-9)
        assert p.verdict == max(p.probabilities, key=p.probabilities.get)
        assert list(p.to_dict())[-2:] == ["verdict", "probabilities"]


@pytest.mark.parametrize(
    "text",
    [
        "this launch is :fire: :fire:",
        "🔥🔥🔥",
        "we crushed it this sprint, killing it team",
        ":tada: :tada:",
        "🎉🎉🎉",
        ":raised_hands:",
        ":party-parrot:",
        "sick demo today",
        ":+1::skin-tone-2:",
    ],
)
def test_praise_is_positive(predictor, text: str) -> None:
    p = _predict(predictor, text)
    assert p.label == "positive" and p.verdict == "positive", p


@pytest.mark.parametrize("text", [":tada: :tada:", "🎉🎉🎉", "this launch is :fire: :fire:"])
def test_emoji_praise_gets_a_reaction(predictor, text: str) -> None:
    assert RULE.decide(_predict(predictor, text)) is Verdict.REACT


@pytest.mark.parametrize(
    "text",
    [
        "kill -9 the worker and restart it",
        "I pushed a branch that kills the stale cron jobs",
        "fixed the bug that was killing performance",
    ],
)
def test_jargon_is_not_negative(predictor, text: str) -> None:
    p = _predict(predictor, text)
    assert p.verdict != "negative", p
    assert RULE.decide(p) is not Verdict.REACT or p.verdict == "positive"


def test_kill_as_a_command_is_one_neutral_token() -> None:
    assert tokenize("kill -9 the worker")[0] == KILL_COMMAND
    assert tokenize("kills the stale cron jobs")[0] == KILL_COMMAND
    assert "kill" in tokenize("they kill people")


@pytest.mark.parametrize(
    "text",
    [
        ":-1:",
        ":rage: the build is broken again",
        ":this-is-fine:",
        "yeah right, another great outage, just what we needed",
    ],
)
def test_complaint_is_negative(predictor, text: str) -> None:
    p = _predict(predictor, text)
    assert p.verdict == "negative", p


def test_plain_statements_are_neutral(predictor) -> None:
    for text in ["the deploy is at 3pm", "can someone review my PR?", "standup moved to 10:30"]:
        p = _predict(predictor, text)
        assert p.verdict == "neutral", (text, p)
        assert RULE.decide(p) is not Verdict.REACT


@pytest.mark.parametrize("text", ["🎉🎉🎉", ":tada: :tada: :tada:", "great great great work"])
def test_no_key_word_twice(predictor, text: str) -> None:
    words = _predict(predictor, text).key_words
    assert len(words) == len(set(words)), words
    assert "party" not in words


def test_known_emoji_count_as_known_words(predictor) -> None:
    p = predictor.predict_one(":tada: :tada:")
    assert p.known_words == p.words == 2
    unknown = predictor.predict_one(":some-custom-thing:")
    assert unknown.known_words == 0
