"""Timing helpers: per-call latencies, percentiles, medians over repetitions, the machine.

Every figure the benchmark reports is a median over repetitions of a measurement taken after
warm-up, so one unlucky scheduling hiccup on a shared 2-core machine does not decide it.
"""

from __future__ import annotations

import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) with linear interpolation, as numpy's default."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def latency_summary(samples_ms: Sequence[float]) -> dict[str, float]:
    """p50, p99, mean and max of latencies in milliseconds."""
    if not samples_ms:
        return {
            "n": 0,
            "p50_ms": math.nan,
            "p99_ms": math.nan,
            "mean_ms": math.nan,
            "max_ms": math.nan,
        }
    return {
        "n": len(samples_ms),
        "p50_ms": percentile(samples_ms, 50),
        "p99_ms": percentile(samples_ms, 99),
        "mean_ms": statistics.fmean(samples_ms),
        "max_ms": max(samples_ms),
    }


def time_each(fn: Callable[[], Any], calls: int, warmup: int = 0) -> list[float]:
    """Milliseconds of each of ``calls`` calls to ``fn``, after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    clock = time.perf_counter_ns
    out = []
    for _ in range(calls):
        started = clock()
        fn()
        out.append((clock() - started) / 1e6)
    return out


def medians(runs: list[dict[str, Any]], keys: tuple[str, ...]) -> dict[str, float]:
    """The median over repetitions of each of ``keys``: how every figure here is reported."""
    return {key: statistics.median(r[key] for r in runs) for key in keys}


def repeated_latency(fn: Callable[[], Any], calls: int, reps: int, warmup: int) -> dict[str, Any]:
    """Per-call latency in ``reps`` repetitions; the medians of each repetition's p50 and p99."""
    runs = [latency_summary(time_each(fn, calls, warmup if rep == 0 else 0)) for rep in range(reps)]
    return {
        "calls_per_rep": calls,
        "reps": reps,
        "warmup_calls": warmup,
        **medians(runs, ("p50_ms", "p99_ms", "mean_ms")),
        "runs": runs,
    }


def repeated_throughput(
    fn: Callable[[], Any], items: int, reps: int, min_seconds: float = 0.0
) -> dict[str, Any]:
    """Items per second of ``fn`` (which handles ``items`` items), median over ``reps``.

    Each repetition calls ``fn`` until ``min_seconds`` have passed (at least once), so a batch
    that takes milliseconds is still timed over a meaningful stretch.
    """
    rates = []
    for _ in range(reps):
        done = 0
        started = time.perf_counter()
        while True:
            fn()
            done += items
            elapsed = time.perf_counter() - started
            if elapsed >= min_seconds:
                break
        rates.append(done / elapsed)
    return {
        "items": items,
        "reps": reps,
        "per_second": statistics.median(rates),
        "runs_per_second": rates,
    }


def machine() -> dict[str, Any]:
    """What the figures were measured on: core count above all (everything shares them)."""
    try:
        load = os.getloadavg()
    except OSError:
        load = (math.nan,) * 3
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "loadavg_at_start": [round(x, 2) for x in load],
    }


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"
