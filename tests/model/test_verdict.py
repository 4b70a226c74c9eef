"""The one reaction rule: react, lean, unsure or no words."""

from __future__ import annotations

import pytest

from model.prediction import Prediction
from model.verdict import Verdict, VerdictRule

RULE = VerdictRule(threshold=0.8, min_known_words=3, min_known_share=0.5)


def prediction(confidence: float = 0.9, known: int = 6, words: int = 6) -> Prediction:
    return Prediction("positive", confidence, confidence, known, words, [])


def three_way(verdict: str, p: float, known: int = 6, words: int = 6) -> Prediction:
    rest = (1.0 - p) / 2
    probabilities = {"positive": rest, "negative": rest, "neutral": rest}
    probabilities[verdict] = p
    return Prediction("positive", 0.9, 0.9, known, words, [], verdict, probabilities)


@pytest.mark.parametrize(
    ("confidence", "known", "words", "verdict"),
    [
        (0.8, 6, 6, Verdict.REACT),  # the threshold itself is enough
        (0.79, 6, 6, Verdict.LEAN),
        (0.99, 2, 3, Verdict.UNSURE),  # fewer than min_known_words
        (0.99, 2, 2, Verdict.REACT),  # every word known (e.g. ":tada: :tada:")
        (0.99, 4, 10, Verdict.UNSURE),  # known share 0.4 < 0.5
        (0.99, 5, 10, Verdict.REACT),  # known share exactly 0.5
        (0.99, 0, 0, Verdict.NO_WORDS),
    ],
)
def test_decide(confidence, known, words, verdict):
    assert RULE.decide(prediction(confidence, known, words)) is verdict


def test_defaults_are_the_bots_documented_ones():
    assert VerdictRule() == RULE


@pytest.mark.parametrize(
    ("verdict", "p", "known", "words", "expected"),
    [
        ("neutral", 0.9, 6, 6, Verdict.NEUTRAL),
        ("neutral", 0.4, 6, 6, Verdict.NEUTRAL),
        ("positive", 0.8, 6, 6, Verdict.REACT),
        ("negative", 0.85, 6, 6, Verdict.REACT),
        ("positive", 0.79, 6, 6, Verdict.LEAN),  # the polar probability, not confidence
        ("positive", 0.95, 2, 2, Verdict.REACT),  # emoji-only: all known
        ("positive", 0.95, 1, 3, Verdict.UNSURE),
        ("neutral", 0.95, 0, 0, Verdict.NO_WORDS),
    ],
)
def test_three_way_decide(verdict, p, known, words, expected):
    assert RULE.decide(three_way(verdict, p, known, words)) is expected
