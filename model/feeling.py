"""Does a message express a feeling at all? The features of the "feeling" head, in plain Python.

The IMDB polarity model always picks positive or negative; "the deploy is at 3pm" has no
sentiment to pick. A small head trained on GoEmotions (neutral vs not) answers that from what
serving computes anyway: the text's n-gram features (the IMDB word index's ids, one learned
weight each) and the dense features below. Training (``model.training.feeling``) and serving
(``model.predictor``) call the same function, so they cannot drift apart.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

DENSE_FEATURES = (
    "log1p lexicon |valence| sum",
    "log1p lexicon matches",
    "|polarity logit|",
    "log1p words",
    "has ?",
    "log1p !",
    "log1p known emoji",
    # v3 variant "signed": complaint and praise apart (mild complaints read neutral otherwise).
    "log1p lexicon negative valence sum",
    "log1p lexicon positive valence sum",
)
BASE_DENSE = 7
# The three-way "net" head (v4) reads, beside its bag of feature-id embeddings, the first
# BASE_DENSE dense features and these two.
NET_EXTRA = ("polarity logit", "lexicon input")


def dense_features(
    tokens: Sequence[str],
    words: int,
    abs_valence: float,
    matches: int,
    polarity_logit: float,
    emoji: int,
    negative_valence: float = 0.0,
) -> list[float]:
    """The dense inputs, in ``DENSE_FEATURES`` order; all bounded or logarithmic in length.
    A head uses the first ``len(its weights)`` of them."""
    return [
        math.log1p(abs_valence),
        math.log1p(matches),
        abs(polarity_logit),
        math.log1p(words),
        1.0 if "?" in tokens else 0.0,
        math.log1p(tokens.count("!")),
        math.log1p(emoji),
        math.log1p(negative_valence),
        math.log1p(max(0.0, abs_valence - negative_valence)),
    ]


def sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def softmax3(logits: Sequence[float]) -> dict[str, float]:
    """P(positive), P(negative), P(neutral) from three logits in that order."""
    top = max(logits)
    e = [math.exp(x - top) for x in logits]
    total = e[0] + e[1] + e[2]
    return {"positive": e[0] / total, "negative": e[1] / total, "neutral": e[2] / total}


def three_way(p_neutral: float, p_positive_if_polar: float) -> dict[str, float]:
    """P(positive), P(negative), P(neutral): a feeling or not, then which way it goes."""
    polar = 1.0 - p_neutral
    return {
        "positive": polar * p_positive_if_polar,
        "negative": polar * (1.0 - p_positive_if_polar),
        "neutral": p_neutral,
    }
