"""The value the predictor hands to the bot and the CLI: plain data, no TensorFlow, no numpy."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

POSITIVE = "positive"
NEGATIVE = "negative"
NEUTRAL = "neutral"


@dataclass(frozen=True)
class Prediction:
    """One text's sentiment.

    ``score`` is the calibrated probability that the text is positive; ``confidence`` is the
    probability of the chosen label, so it is always between 0.5 and 1. ``known_words`` counts the
    text's word tokens that the IMDB word index knows, out of ``words``; callers use it to refuse a
    confident-looking guess on text the model barely understands (emoji the artifact's table
    knows count as known). ``key_words`` are the terms (words, short phrases or emoji) that
    pushed the decision hardest towards ``label``, strongest first, none twice. ``verdict`` is
    positive, negative or neutral, and ``probabilities`` holds all three (they sum to 1).
    """

    label: str
    confidence: float
    score: float
    known_words: int
    words: int
    key_words: list[str] = field(default_factory=list)
    # Three-way: does the text express a feeling, and which way. ``label`` above stays the
    # forced positive/negative choice; ``verdict`` is the most probable of the three.
    verdict: str = NEUTRAL
    probabilities: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Field order is the JSON output order of ``scripts/predict.py --jsonl``."""
        return asdict(self)


class Predictor(Protocol):
    """What the bot needs from a model: a batch of texts in, one prediction per text out."""

    def predict(self, texts: list[str] | str) -> list[Prediction]: ...
