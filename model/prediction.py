"""The value the predictor hands to the bot and the CLI: plain data, no TensorFlow, no numpy."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

POSITIVE = "positive"
NEGATIVE = "negative"


@dataclass(frozen=True)
class Prediction:
    """One text's sentiment.

    ``score`` is the calibrated probability that the text is positive; ``confidence`` is the
    probability of the chosen label, so it is always between 0.5 and 1. ``known_words`` counts the
    text's word tokens that the IMDB word index knows, out of ``words``; callers use it to refuse a
    confident-looking guess on text the model barely understands. ``key_words`` are the terms
    (words or short phrases) that pushed the decision hardest towards ``label``, strongest first.
    """

    label: str
    confidence: float
    score: float
    known_words: int
    words: int
    key_words: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Field order is the JSON output order of ``scripts/predict.py --jsonl``."""
        return asdict(self)


class Predictor(Protocol):
    """What the bot needs from a model: a batch of texts in, one prediction per text out."""

    def predict(self, texts: list[str] | str) -> list[Prediction]: ...
