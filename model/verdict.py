"""What a prediction means for a reader: react, lean, unsure, or no words to judge.

The one place the reaction rule lives. The bot reacts and words its replies from it, and the
evaluation counts what the bot would do with it, so the two cannot disagree. Pure Python: no
Slack, no numpy, no TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from model.prediction import Prediction


class Verdict(StrEnum):
    """How sure the bot is allowed to sound about one prediction."""

    REACT = "react"  # confident, on enough known words: react, say "Positive"/"Negative"
    LEAN = "lean"  # enough known words, below the threshold: "Leaning positive", no reaction
    UNSURE = "unsure"  # too few known words for the score to mean anything
    NO_WORDS = "no_words"  # nothing left to judge


@dataclass(frozen=True)
class VerdictRule:
    """The thresholds a prediction is judged by; the defaults are the bot's documented ones."""

    threshold: float = 0.8
    min_known_words: int = 3
    min_known_share: float = 0.5

    def knows_enough(self, prediction: Prediction) -> bool:
        """Enough of the text's words are in the word index for the score to mean something."""
        if prediction.words <= 0 or prediction.known_words < self.min_known_words:
            return False
        return prediction.known_words / prediction.words >= self.min_known_share

    def decide(self, prediction: Prediction) -> Verdict:
        if prediction.words <= 0:
            return Verdict.NO_WORDS
        if not self.knows_enough(prediction):
            return Verdict.UNSURE
        if prediction.confidence < self.threshold:
            return Verdict.LEAN
        return Verdict.REACT
