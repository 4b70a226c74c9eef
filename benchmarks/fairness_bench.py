"""Many workspaces, one flooding, and twice a process's capacity (issue 17), over HTTP.

gunicorn (``gunicorn.conf.py``, the given workers) with the real model, the fake Slack and the
load generator in processes of their own, as ``benchmarks.bot_bench``. Phases:

- **many workspaces**: channel messages spread over ``teams`` team ids (single-token mode: the
  bot accepts any team id with its one token, which gives the same load shape as that many
  installs), open loop at ``rate``/s: handled/s, ack p50/p99, lost (sent minus reactions);
- **flood fairness**: one workspace floods channel messages at ``flood_rate``/s while a quiet
  one @-mentions the bot at ``quiet_rate``/s (two load generators at once): the quiet
  workspace's ack p99 and its reply latency p99 (sent to ``chat.postMessage`` at the fake);
- **overload**: capacity = handled/s of a burst, then ``2 x capacity`` offered for
  ``overload_seconds`` over 10 workspaces, one event in 20 a mention: ack p99, handled/s
  (reactions and replies), what the bot shed (``slackbot_work_shed_total`` from ``/metrics``,
  summed over the workers) and what is unaccounted (sent minus handled minus shed).

The reaction budget is lifted (``REACTIONS_PER_MINUTE``), as in every load phase: these phases
measure the pipeline, and 10 events/s per workspace is past Slack's Tier 3 budget.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from benchmarks import bot_bench
from benchmarks.loadgen import channel_for
from benchmarks.measure import latency_summary
from benchmarks.processes import (
    REPO,
    SECRET,
    STALL_SECONDS,
    BotServer,
    FakeSlackProcess,
    start_server,
)

OVERLOAD_TEAMS = 10
MENTION_EVERY = 20
_SHED = re.compile(r'^slackbot_work_shed_total\{kind="(\w+)"\} ([0-9.e+]+)$', re.M)


def shed_counts(metrics_url: str) -> dict[str, int]:
    """``slackbot_work_shed_total`` by kind, from a ``/metrics`` page (0 when absent)."""
    try:
        with urllib.request.urlopen(metrics_url, timeout=10) as response:
            text = response.read().decode()
    except OSError:
        return {}
    out = {"reaction": 0, "reply": 0}
    for kind, value in _SHED.findall(text):
        out[kind] = out.get(kind, 0) + int(float(value))
    return out


def _loadgen_argv(server: BotServer, **args: Any) -> list[str]:
    argv = [sys.executable, "-m", "benchmarks.loadgen", "--url", server.events_url]
    argv += ["--secret", SECRET]
    for name, value in args.items():
        argv += [f"--{name.replace('_', '-')}", str(value)]
    return argv


def _settle(fake: FakeSlackProcess, method: str, before: int, count: int) -> int:
    """Wait until ``count`` more ok calls of ``method`` or no progress; how many came."""
    deadline, seen, moved = time.monotonic() + 30, -1, time.monotonic()
    while True:
        got = fake.ok_count(method) - before
        if got != seen:
            seen, moved = got, time.monotonic()
        if got >= count or time.monotonic() > deadline or time.monotonic() - moved > STALL_SECONDS:
            return got
        time.sleep(0.05)


def many_workspaces(
    fake: FakeSlackProcess, server: BotServer, *, rate: float, seconds: float, teams: int, **kw: Any
) -> dict[str, Any]:
    """Open loop at ``rate``/s over ``teams`` team ids (``bot_bench.phase``)."""
    result = bot_bench.phase(
        fake, server, mode="rate", rate=rate, seconds=seconds, teams=teams, **kw
    )
    return {key: value for key, value in result.items() if key != "mention_sent_at"}


def flood_fairness(
    fake: FakeSlackProcess,
    server: BotServer,
    *,
    flood_rate: float,
    quiet_rate: float,
    seconds: float,
    connections: int,
    phase: int,
) -> dict[str, Any]:
    """A flood from one workspace and mentions from a quiet one, at the same time."""
    flood = subprocess.Popen(
        _loadgen_argv(
            server,
            mode="rate",
            rate=flood_rate,
            seconds=seconds,
            team="TFLOOD",
            phase=phase,
            connections=connections,
        ),
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    quiet_run = subprocess.run(
        _loadgen_argv(
            server,
            mode="rate",
            rate=quiet_rate,
            seconds=seconds,
            team="TQUIET",
            phase=phase + 1,
            connections=4,
            mention_every=1,
        ),
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    flood_out, _ = flood.communicate(timeout=600)
    flood_result, quiet = json.loads(flood_out), json.loads(quiet_run.stdout)
    sent_at: dict[str, float] = quiet["mention_sent_at"]
    channel = channel_for(phase + 1)
    deadline = time.monotonic() + 30
    replies = fake.replies(channel)
    while len(replies) < len(sent_at) and time.monotonic() < deadline:
        time.sleep(0.1)
        replies = fake.replies(channel)
    latencies = [(replies[ts] - at) * 1000 for ts, at in sent_at.items() if ts in replies]
    return {
        "flood_rate": flood_rate,
        "quiet_rate": quiet_rate,
        "seconds": seconds,
        "flood_sent": flood_result["sent"],
        "flood_ack_latency": flood_result["ack_latency"],
        "quiet_sent": quiet["sent"],
        "quiet_ack_latency": quiet["ack_latency"],
        "quiet_replies": len(latencies),
        "quiet_reply_latency": latencies and latency_summary(latencies),
        "quiet_lost": quiet["sent"] - len(latencies),
    }


def overload(
    fake: FakeSlackProcess,
    server: BotServer,
    *,
    burst: int,
    seconds: float,
    connections: int,
    phase: int,
) -> dict[str, Any]:
    """Measure capacity with a burst, then offer twice that; what is handled, shed, lost."""
    capacity = bot_bench.phase(
        fake, server, mode="burst", count=burst, connections=connections, phase=phase
    )["handled_per_second"]
    offered = 2 * capacity
    metrics_url = server.base_url + "/metrics"
    shed_before = shed_counts(metrics_url)
    reactions_before = fake.ok_count("reactions.add")
    replies_before = fake.ok_count("chat.postMessage")
    started = time.time()
    done = subprocess.run(
        _loadgen_argv(
            server,
            mode="rate",
            rate=round(offered),
            seconds=seconds,
            teams=OVERLOAD_TEAMS,
            mention_every=MENTION_EVERY,
            phase=phase + 1,
            connections=connections,
        ),
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    result = json.loads(done.stdout)
    mentions = result["mentions"]
    reactions = _settle(fake, "reactions.add", reactions_before, result["sent"] - mentions)
    replies = fake.ok_count("chat.postMessage") - replies_before
    last = fake.stats().get("reactions.add", {}).get("last_at") or time.time()
    shed_after = shed_counts(metrics_url)
    shed = {kind: shed_after.get(kind, 0) - shed_before.get(kind, 0) for kind in shed_after}
    handled = reactions + replies
    return {
        "capacity_per_second": capacity,
        "offered_rate": offered,
        "seconds": seconds,
        "sent": result["sent"],
        "sent_per_second": result["sent"] / max(1e-9, result["send_seconds"]),
        "errors": result["error_count"],
        "ack_latency": result["ack_latency"],
        "handled": handled,
        "handled_per_second": handled / max(1e-9, last - started),
        "reactions": reactions,
        "mentions_sent": mentions,
        "replies": replies,
        "shed": shed,
        "unaccounted": result["sent"] - handled - sum(shed.values()),
    }


def run(
    workdir: Path,
    *,
    rate: float,
    seconds: float,
    teams: int,
    flood_rate: float,
    quiet_rate: float,
    burst: int,
    overload_seconds: float,
    connections: int,
    warmup: int,
    workers: int,
    threads: int,
    model_path: str | None = None,
) -> dict[str, Any]:
    """Warm-up, then the three phases against one gunicorn."""
    settings = {
        "WEB_CONCURRENCY": str(workers),
        "GUNICORN_THREADS": str(threads),
        "LOG_LEVEL": "INFO",
        "GRACEFUL_TIMEOUT": "30",
    }
    if model_path:
        settings["MODEL_PATH"] = str(model_path)
    with FakeSlackProcess() as fake:
        server = start_server("gunicorn", fake.base_url, workdir, **settings)
        try:
            bot_bench.phase(fake, server, mode="burst", count=warmup, phase=8001)
            many = many_workspaces(
                fake,
                server,
                rate=rate,
                seconds=seconds,
                teams=teams,
                connections=connections,
                phase=8002,
            )
            fair = flood_fairness(
                fake,
                server,
                flood_rate=flood_rate,
                quiet_rate=quiet_rate,
                seconds=seconds,
                connections=connections,
                phase=8003,
            )
            over = overload(
                fake,
                server,
                burst=burst,
                seconds=overload_seconds,
                connections=connections,
                phase=8005,
            )
        finally:
            stopped = server.stop()
        log = server.log_text()
    return {
        "server": {"kind": "gunicorn -c gunicorn.conf.py", "workers": workers, "threads": threads},
        "note": f"single-token mode with {teams} team ids (same load shape as {teams} installs)",
        "many_workspaces": many,
        "flood_fairness": fair,
        "overload": over,
        "shed_log_lines": log.count("work_shed "),
        "log_problems": {
            marker: log.count(marker) for marker in bot_bench.ERROR_MARKERS if marker in log
        },
        "shutdown": stopped,
    }
