"""The texts the benchmark measures: one chat message, a batch of short ones, full reviews.

The short messages are built from templates so a batch of 256 holds 256 different texts. The
reviews are the 25,000 official IMDB test reviews when the dataset is there; otherwise (the
smoke run) synthetic review-length texts, and the output says which.
"""

from __future__ import annotations

import itertools
import random
from pathlib import Path
from typing import Any

SINGLE_MESSAGE = "I really loved this, great work team!"
# What the load generator sends: the model must be confident about both (checked before a run),
# so every event must end in exactly one reaction and a missing one is a lost event.
LOAD_POSITIVE = SINGLE_MESSAGE
LOAD_NEGATIVE = "This is terrible, I hate how broken it is."

_OPENERS = ["honestly", "wow", "ok so", "fyi", "well", "hey team", "ugh", "yay", "hmm", "so"]
_SUBJECTS = [
    "the demo",
    "this release",
    "the new build",
    "today's standup",
    "the launch",
    "the redesign",
    "the test suite",
    "the deploy",
    "our sprint",
    "the customer call",
    "the onboarding flow",
    "this movie",
]
_VERDICTS = [
    "was great",
    "went really well",
    "is broken again",
    "was a total mess",
    "looks amazing",
    "was boring",
    "is so slow",
    "works perfectly",
    "was awful",
    "made my day",
    "is the worst",
    "was fine i guess",
]


def short_messages(count: int = 256, seed: int = 7) -> list[str]:
    """``count`` different short chat messages (they repeat only past 1,440)."""
    combos = list(itertools.product(_OPENERS, _SUBJECTS, _VERDICTS))
    random.Random(seed).shuffle(combos)
    out = [f"{o} {s} {v}!" if n % 3 == 0 else f"{o}, {s} {v}" for n, (o, s, v) in enumerate(combos)]
    return [out[n % len(out)] for n in range(count)]


def reviews(
    data: str | Path | None, limit: int | None, use_dataset: bool = True
) -> tuple[list[str], str]:
    """The official test reviews (the first ``limit``), or synthetic ones without the dataset.

    Returns the texts and a line saying where they came from.
    """
    count = limit or 25_000
    if use_dataset:
        from model.data import data_path, load_imdb

        where = data_path(data)
        if where.exists():
            try:
                texts = load_imdb(where, splits=("test",))["test"].texts
            except Exception as err:  # noqa: BLE001 - measure something, and say what
                return _synthetic(count), f"synthetic (dataset unreadable: {type(err).__name__})"
            texts = texts[:limit] if limit else texts
            return texts, f"IMDB test split ({len(texts)} reviews)"
    return _synthetic(count), f"synthetic ({count} review-length texts, no dataset)"


def _synthetic(count: int, seed: int = 11) -> list[str]:
    """Review-length texts (about 230 words, like the IMDB average) from the short messages."""
    rng = random.Random(seed)
    pool = short_messages(1440)
    return [". ".join(rng.choice(pool) for _ in range(40)) + "." for _ in range(count)]


def describe() -> dict[str, Any]:
    return {"single_message": SINGLE_MESSAGE, "load_messages": [LOAD_POSITIVE, LOAD_NEGATIVE]}
