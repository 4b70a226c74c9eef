"""Our predictor in process: text to prediction for one chat message, and batch throughput.

The single-message figure is ``predict_one``: text cleaning, tokenizing, n-gram features, the
weighted sum, calibration and the key words, i.e. everything the bot asks for. Throughput uses
``scores`` (P(positive) only), the same output the Keras tutorial's ``predict()`` gives.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import corpus
from benchmarks.measure import repeated_latency, repeated_throughput


def load(model_dir: str | Path | None) -> Any:
    """The serving predictor from the artifact (numpy only, no TensorFlow)."""
    import model

    return model.load_predictor(model_dir)


def load_v1(artifact_dir: Path) -> Any | None:
    """The first shipped model, for the side-by-side latency; None if it is what we measure."""
    from model.artifact import V1_ARTIFACT

    if artifact_dir.resolve() == V1_ARTIFACT.resolve() or not V1_ARTIFACT.is_dir():
        return None
    return load(V1_ARTIFACT)


def check_load_messages(predictor: Any) -> dict[str, Any]:
    """The load messages must each earn a reaction, or lost events could not be counted."""
    from model.verdict import Verdict, VerdictRule

    rule = VerdictRule()  # the bot's default thresholds
    out = {}
    for text in (corpus.LOAD_POSITIVE, corpus.LOAD_NEGATIVE):
        prediction = predictor.predict_one(text)
        if rule.decide(prediction) is not Verdict.REACT:
            raise SystemExit(
                f"error: the model is not confident enough about the load message {text!r} "
                f"({prediction.label} {prediction.confidence:.2f}, {prediction.known_words}/"
                f"{prediction.words} words known) for a reaction; the bot benchmark counts "
                "reactions, so pick messages it reacts to in benchmarks/corpus.py"
            )
        out[prediction.label] = round(prediction.confidence, 3)
    return out


def run(
    predictor: Any,
    *,
    calls: int,
    reps: int,
    warmup: int,
    batch: list[str],
    reviews: list[str],
    review_reps: int,
    min_seconds: float,
    v1: Any | None = None,
) -> dict[str, Any]:
    """Latency of one message and throughput of a batch and of the reviews; with ``v1``, that
    model's single-message latency too, measured the same way right after."""
    message = corpus.SINGLE_MESSAGE
    single = repeated_latency(lambda: predictor.predict_one(message), calls, reps, warmup)
    v1_single = None
    if v1 is not None:
        v1_single = repeated_latency(lambda: v1.predict_one(message), calls, reps, warmup)
    batch_rate = repeated_throughput(
        lambda: predictor.scores(batch), len(batch), reps, min_seconds=min_seconds
    )
    review_rate = repeated_throughput(lambda: predictor.scores(reviews), len(reviews), review_reps)
    return {
        "what": "model.load_predictor().predict_one(text); throughput: .scores(texts)",
        "single_message": single,
        "v1_single_message": v1_single,
        "batch": {"size": len(batch), **batch_rate},
        "reviews": {"count": len(reviews), **review_rate},
    }


def reviews_side_by_side(
    ours: Callable[[], Any], tutorial: Callable[[], Any], count: int, reps: int
) -> dict[str, Any]:
    """Reviews per second of ours and of the tutorial's way, timed in turns (ours, tutorial,
    ours, ...), median of each: on a shared machine a slow minute then hits both alike."""
    rates: dict[str, list[float]] = {"ours": [], "tutorial": []}
    for _ in range(reps):
        for name, score_all in (("ours", ours), ("tutorial", tutorial)):
            started = time.perf_counter()
            score_all()
            rates[name].append(count / (time.perf_counter() - started))
    return {
        "what": "the same reviews, ours and the tutorial's way in turns",
        "count": count,
        "reps": reps,
        **{f"{name}_per_second": statistics.median(values) for name, values in rates.items()},
        **{f"{name}_runs_per_second": values for name, values in rates.items()},
    }
