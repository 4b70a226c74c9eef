"""The Keras tutorial's way, measured on the same texts: the yardstick for our predictor.

The artifact's ``baseline.keras`` is the classic IMDB tutorial network (10,000-word multi-hot
input, three Dense(50) layers). "The tutorial's way" per message is what the tutorial does:
tokenize, look the words up in the word index, build the multi-hot vector, ``model.predict()``.
A direct call (``model(x)``) skips predict()'s per-call setup and is reported too. Importing
this module does not import Keras; ``run`` does.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import corpus
from benchmarks.measure import repeated_latency, repeated_throughput

NUM_WORDS = 10_000
CHUNK = 2_500  # reviews vectorized per predict() call, so 25k multi-hot rows never sit in RAM


def available(artifact_dir: Path) -> str | None:
    """None when the comparison can run, else why not."""
    if not (artifact_dir / "baseline.keras").is_file():
        return f"no baseline.keras in {artifact_dir}"
    try:
        import importlib.util

        if importlib.util.find_spec("keras") is None:
            return "keras/tensorflow not installed (pip install -e '.[train]')"
    except ValueError:
        return "keras not importable"
    return None


def review_scorer(artifact_dir: Path, reviews: list[str]) -> Callable[[], None]:
    """The tutorial's way over all ``reviews``: tokenize, encode, multi-hot, predict()."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    from model.text import tokenize
    from model.training.network import multi_hot
    from model.vectorize import WordIndex

    network = keras.models.load_model(artifact_dir / "baseline.keras", compile=False)
    index = WordIndex.load(artifact_dir / "word_index.json")

    def score_all() -> None:
        for start in range(0, len(reviews), CHUNK):
            chunk = reviews[start : start + CHUNK]
            encoded = [index.encode(tokenize(t), num_words=NUM_WORDS) for t in chunk]
            network.predict(multi_hot(encoded, NUM_WORDS), verbose=0)

    return score_all


def run(
    artifact_dir: Path,
    *,
    predict_calls: int,
    direct_calls: int,
    reps: int,
    warmup: int,
    batch: list[str],
    reviews: list[str],
    review_reps: int,
    min_seconds: float,
) -> dict[str, Any]:
    """Latency per message (predict() and direct call) and throughput, as for ours."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    import numpy as np

    from model.text import tokenize
    from model.training.network import multi_hot
    from model.vectorize import WordIndex

    network = keras.models.load_model(artifact_dir / "baseline.keras", compile=False)
    index = WordIndex.load(artifact_dir / "word_index.json")

    def vectorize(texts: list[str]) -> np.ndarray:
        return multi_hot([index.encode(tokenize(t), num_words=NUM_WORDS) for t in texts], NUM_WORDS)

    message = corpus.SINGLE_MESSAGE

    def via_predict() -> float:
        return float(network.predict(vectorize([message]), verbose=0)[0, 0])

    def via_call() -> float:
        return float(np.asarray(network(vectorize([message]), training=False))[0, 0])

    predict_latency = repeated_latency(via_predict, predict_calls, 1, warmup)
    direct_latency = repeated_latency(via_call, direct_calls, reps, warmup)
    batch_rate = repeated_throughput(
        lambda: network.predict(vectorize(batch), verbose=0),
        len(batch),
        reps,
        min_seconds=min_seconds,
    )
    review_rate = repeated_throughput(
        review_scorer(artifact_dir, reviews), len(reviews), review_reps
    )
    return {
        "what": (
            "baseline.keras (tutorial network): tokenize, WordIndex.encode(num_words="
            "10000), multi_hot, model.predict(x) (Keras default batch_size=32); "
            "direct: model(x)"
        ),
        "keras": keras.__version__,
        "single_message_predict": predict_latency,
        "single_message_direct": direct_latency,
        "batch": {"size": len(batch), **batch_rate},
        "reviews": {"count": len(reviews), **review_rate},
    }
