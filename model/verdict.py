"""What a prediction means for a reader: react, lean, neutral, unsure, or no words to judge.

The one place the reaction rule lives. The bot reacts and words its replies from it, and the
evaluation counts what the bot would do with it, so the two cannot disagree. Pure Python: no
Slack, no numpy, no TensorFlow.

In order:
1. NO_WORDS: nothing left to judge.
2. UNSURE: too few known words (fewer than ``min_known_words``, or under ``min_known_share`` of
   the words), unless every word is known (then ``min_known_all_known`` is enough). Emoji the
   artifact's emoji table knows count as known words, so ":tada: :tada:" (two known of two) can
   be judged; an unknown custom emoji cannot. Short all-known texts were UNSURE before v3: the
   three-way probability now carries the doubt (a short text's P(neutral) is high unless its
   words carry feeling), so the word count need not.
3. NEUTRAL: the three-way verdict is neutral (the text expresses no feeling). The bot says
   "Neutral" with the probabilities and does not react.
4. REACT: the verdict is positive or negative and its probability (``probabilities[verdict]``,
   which already discounts the chance that the text is neutral) is at least ``threshold``.
5. LEAN: a polar verdict below the threshold: "Leaning positive", no reaction.

A prediction without three-way probabilities (an older artifact) is judged by ``confidence``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from model.prediction import NEUTRAL, Prediction


class Verdict(StrEnum):
    """How sure the bot is allowed to sound about one prediction."""

    REACT = "react"  # confident, on enough known words: react, say "Positive"/"Negative"
    LEAN = "lean"  # enough known words, below the threshold: "Leaning positive", no reaction
    UNSURE = "unsure"  # too few known words for the score to mean anything
    NO_WORDS = "no_words"  # nothing left to judge
    NEUTRAL = "neutral"  # enough known words, and they express no feeling: "Neutral", no reaction


@dataclass(frozen=True)
class VerdictRule:
    """The thresholds a prediction is judged by; the defaults are the bot's documented ones."""

    threshold: float = 0.8
    min_known_words: int = 3
    min_known_share: float = 0.5
    # A text whose every word is known (":tada: :tada:", "great work") needs only this many.
    min_known_all_known: int = 1

    def knows_enough(self, prediction: Prediction) -> bool:
        """Enough of the text's words are in the word index (or the emoji table) for the score
        to mean something."""
        if prediction.words <= 0:
            return False
        if prediction.known_words >= prediction.words:  # everything known, e.g. only emoji
            return prediction.known_words >= min(self.min_known_words, self.min_known_all_known)
        if prediction.known_words < self.min_known_words:
            return False
        return prediction.known_words / prediction.words >= self.min_known_share

    def decide(self, prediction: Prediction) -> Verdict:
        if prediction.words <= 0:
            return Verdict.NO_WORDS
        if not self.knows_enough(prediction):
            return Verdict.UNSURE
        probabilities = prediction.probabilities
        if not probabilities:
            return Verdict.REACT if prediction.confidence >= self.threshold else Verdict.LEAN
        if prediction.verdict == NEUTRAL:
            return Verdict.NEUTRAL
        if probabilities.get(prediction.verdict, 0.0) < self.threshold:
            return Verdict.LEAN
        return Verdict.REACT
