"""The one reaction rule: react, lean, unsure or no words."""

from __future__ import annotations

import pytest

from model.prediction import Prediction
from model.verdict import Verdict, VerdictRule

RULE = VerdictRule(threshold=0.8, min_known_words=3, min_known_share=0.5)


def prediction(confidence: float = 0.9, known: int = 6, words: int = 6) -> Prediction:
    return Prediction("positive", confidence, confidence, known, words, [])


@pytest.mark.parametrize(
    ("confidence", "known", "words", "verdict"),
    [
        (0.8, 6, 6, Verdict.REACT),  # the threshold itself is enough
        (0.79, 6, 6, Verdict.LEAN),
        (0.99, 2, 2, Verdict.UNSURE),  # fewer than min_known_words
        (0.99, 4, 10, Verdict.UNSURE),  # known share 0.4 < 0.5
        (0.99, 5, 10, Verdict.REACT),  # known share exactly 0.5
        (0.99, 0, 0, Verdict.NO_WORDS),
    ],
)
def test_decide(confidence, known, words, verdict):
    assert RULE.decide(prediction(confidence, known, words)) is verdict


def test_defaults_are_the_bots_documented_ones():
    assert VerdictRule() == RULE
