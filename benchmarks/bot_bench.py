"""The bot end to end under load: HTTP mode under gunicorn, the fake Slack on loopback.

Three processes share the machine: the bot server (gunicorn master and workers), the fake Slack
Web API (``python -m benchmarks.fake_slack_server``) and the load generator
(``benchmarks.loadgen``). Each
phase sends signed Events API requests at a fixed rate or as a burst, then waits until the fake
Slack has recorded every reaction or stops making progress. Per phase: acks and errors, ack
latency, events handled per second (reactions recorded over the time from the first request to
the last reaction), and lost events (sent minus reactions recorded, which must be zero).
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.processes import (
    REPO,
    SECRET,
    BotServer,
    FakeSlackProcess,
    cpu_seconds,
    machine_cpu_seconds,
    start_server,
    wait_for_reactions,
)

ERROR_MARKERS = (
    "handler_failed",
    "slack_call_failed",
    "unhandled_error",
    "Traceback",
    "dedupe_store_unavailable",
    "WORKER TIMEOUT",
)


def _loadgen(server: BotServer, **args: Any) -> dict[str, Any]:
    argv = [
        sys.executable,
        "-m",
        "benchmarks.loadgen",
        "--url",
        server.events_url,
        "--secret",
        SECRET,
    ]
    for name, value in args.items():
        argv += [f"--{name}", str(value)]
    done = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, check=False, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"the load generator failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout)


def phase(fake: FakeSlackProcess, server: BotServer, **args: Any) -> dict[str, Any]:
    """One load phase and the reactions it produced."""
    before = fake.stats().get("reactions.add", {})
    before_ok, before_calls = before.get("ok", 0), before.get("calls", 0)
    server_pids = server.pids()
    cpu_before = (cpu_seconds(server_pids), cpu_seconds([fake.proc.pid]), _children_cpu())
    machine_before, wall_before = machine_cpu_seconds()[0], time.monotonic()
    result = _loadgen(server, **args)
    expected = result["sent"]
    stats = wait_for_reactions(fake, before_ok, expected)
    got = stats.get("ok", 0) - before_ok
    cpu_after = (cpu_seconds(server_pids), cpu_seconds([fake.proc.pid]), _children_cpu())
    wall = time.monotonic() - wall_before
    machine_busy = machine_cpu_seconds()[0] - machine_before
    per_event = 1000 / max(1, expected)
    ours = sum(after - before for before, after in zip(cpu_before, cpu_after, strict=True))
    # Over the whole phase (sending and settling): how busy the machine was, and how much of
    # that was not this benchmark (another job on the same cores skews every figure).
    result["machine_busy_cores"] = machine_busy / wall
    result["other_processes_cores"] = max(0.0, machine_busy - ours) / wall
    result["cpu_ms_per_event"] = {
        name: (after - before) * per_event
        for name, before, after in zip(
            ("bot", "fake_slack", "loadgen"), cpu_before, cpu_after, strict=True
        )
    }
    last_at = stats.get("last_at") or result["started_at"]
    span = max(1e-9, last_at - result["started_at"])
    result.update(
        reactions_expected=expected,
        reactions_recorded=got,
        reaction_calls_failed=stats.get("calls", 0) - before_calls - got,
        lost=max(0, expected - got),
        duplicates=max(0, got - expected),
        handled_seconds=span,
        handled_per_second=got / span,
    )
    return result


def _children_cpu() -> float:
    """CPU seconds of this process's finished children (the load generator runs)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _median(runs: list[dict[str, Any]], *path: str) -> float:
    values = []
    for run in runs:
        value: Any = run
        for key in path:
            value = value[key]
        values.append(value)
    return statistics.median(values)


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over repetitions; lost, duplicates and errors are totals."""
    return {
        "reps": len(runs),
        "events_per_rep": runs[0]["sent"],
        "offered_rate": runs[0].get("offered_rate"),
        "acks_per_second": _median(runs, "acks_per_second"),
        "handled_per_second": _median(runs, "handled_per_second"),
        "ack_p50_ms": _median(runs, "ack_latency", "p50_ms"),
        "ack_p99_ms": _median(runs, "ack_latency", "p99_ms"),
        "ack_max_ms": max(run["ack_latency"]["max_ms"] for run in runs),
        "schedule_lag_p99_ms": _median(runs, "schedule_lag", "p99_ms"),
        "sent": sum(run["sent"] for run in runs),
        "errors": sum(run["error_count"] for run in runs),
        "reactions_recorded": sum(run["reactions_recorded"] for run in runs),
        "lost": sum(run["lost"] for run in runs),
        "duplicates": sum(run["duplicates"] for run in runs),
        "machine_busy_cores": _median(runs, "machine_busy_cores"),
        "other_processes_cores": _median(runs, "other_processes_cores"),
        "cpu_ms_per_event": {
            name: statistics.median(run["cpu_ms_per_event"][name] for run in runs)
            for name in runs[0]["cpu_ms_per_event"]
        },
        "runs": runs,
    }


def run(
    workdir: Path,
    *,
    rate: float,
    seconds: float,
    burst: int,
    reps: int,
    connections: int,
    warmup: int,
    workers: int,
    threads: int,
    model_path: str | None = None,
    redis_url: str | None = None,
    extra_settings: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Warm-up, then ``reps`` fixed-rate phases and ``reps`` bursts against one server.

    ``extra_settings`` are more environment variables for the server (the mood benchmark's
    ``DATABASE_URL`` and ``MOOD_TRACKING``).
    """
    settings = {
        "WEB_CONCURRENCY": str(workers),
        "GUNICORN_THREADS": str(threads),
        "LOG_LEVEL": "INFO",
        "GRACEFUL_TIMEOUT": "30",
    }
    if model_path:
        settings["MODEL_PATH"] = str(model_path)
    if redis_url:
        settings["REDIS_URL"] = redis_url
    settings.update(extra_settings or {})
    counter = iter(range(1, 10_000))
    with FakeSlackProcess() as fake:
        server = start_server("gunicorn", fake.base_url, workdir, **settings)
        try:
            warm = phase(
                fake,
                server,
                mode="burst",
                count=warmup,
                connections=connections,
                phase=next(counter),
            )
            rate_runs = [
                phase(
                    fake,
                    server,
                    mode="rate",
                    rate=rate,
                    seconds=seconds,
                    connections=connections,
                    phase=next(counter),
                )
                for _ in range(reps)
            ]
            burst_runs = [
                phase(
                    fake,
                    server,
                    mode="burst",
                    count=burst,
                    connections=connections,
                    phase=next(counter),
                )
                for _ in range(reps)
            ]
        finally:
            stopped = server.stop()
        log = server.log_text()
    problems = {marker: log.count(marker) for marker in ERROR_MARKERS if marker in log}
    return {
        "server": {
            "kind": "gunicorn -c gunicorn.conf.py",
            "worker_class": "asgi",
            "workers": workers,
            "threads": threads,
            "redis": bool(redis_url),
            "shutdown": stopped,
        },
        "load": {
            "generator": "benchmarks.loadgen (asyncio, keep-alive HTTP/1.1, own process)",
            "connections": connections,
            "fake_slack": "python -m benchmarks.fake_slack_server (own process)",
        },
        "warmup": {"events": warm["sent"], "lost": warm["lost"]},
        "rate": summarize(rate_runs),
        "burst": summarize(burst_runs),
        "log_problems": problems,
    }
