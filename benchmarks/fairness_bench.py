"""Many workspaces, one flooding, and twice a process's capacity (issue 17), over HTTP.

gunicorn (``gunicorn.conf.py``, the given workers) with the real model, the fake Slack and the
load generator in processes of their own, as ``benchmarks.bot_bench``. Phases:

- **many workspaces**: multi-workspace (OAuth) mode, as a Marketplace app runs: its own gunicorn
  and fake Slack (``--installs``), ``teams`` workspaces installed one after another through
  ``/slack/install`` and ``/slack/oauth_redirect`` (each gets its own token, encrypted in the
  SQLite database the workers share), then channel messages spread over those team ids, open
  loop at ``rate``/s, ``reps`` times: handled/s, ack p50/p99, lost (sent minus reactions), each
  reaction made with its workspace's token. The same load in single-token mode (the bot
  answers any team id with its one token: no installation lookup) is kept beside it
  (``many_workspaces_single_token``) to show what the lookups cost;
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
from benchmarks.install_bench import install
from benchmarks.loadgen import channel_for, team_for
from benchmarks.measure import latency_summary
from benchmarks.processes import (
    REPO,
    SECRET,
    STALL_SECONDS,
    BotServer,
    FakeSlackProcess,
    oauth_settings,
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
    fake: FakeSlackProcess,
    server: BotServer,
    *,
    rate: float,
    seconds: float,
    teams: int,
    reps: int,
    phase: int,
    **kw: Any,
) -> dict[str, Any]:
    """``reps`` runs open loop at ``rate``/s over ``teams`` team ids; medians (``summarize``)."""
    runs = []
    for rep in range(reps):
        result = bot_bench.phase(
            fake,
            server,
            mode="rate",
            rate=rate,
            seconds=seconds,
            teams=teams,
            phase=phase + rep,
            **kw,
        )
        runs.append({key: value for key, value in result.items() if key != "mention_sent_at"})
    return {"teams": teams, **bot_bench.summarize(runs)}


def install_workspaces(server: BotServer, teams: int) -> dict[str, Any]:
    """Install the ``teams`` workspaces the load generator names, through the two routes."""
    seconds = []
    for i in range(teams):
        started = time.perf_counter()
        install(server.base_url, team_for(i, teams))
        seconds.append(time.perf_counter() - started)
    return {"installed": teams, "install_seconds": latency_summary([s * 1000 for s in seconds])}


def many_workspaces_oauth(
    workdir: Path,
    settings: dict[str, str],
    *,
    rate: float,
    seconds: float,
    teams: int,
    reps: int,
    connections: int,
    warmup: int,
) -> dict[str, Any]:
    """Multi-workspace mode: its own fake Slack and gunicorn, ``teams`` installs, then the load.

    Its own folder: the installations and the mood record live in ``data/bot.sqlite3`` there.
    """
    folder = workdir / "oauth"
    folder.mkdir(exist_ok=True)
    with FakeSlackProcess(installs=True) as fake:
        server = start_server("gunicorn", fake.base_url, folder, **settings, **oauth_settings())
        try:
            installs = install_workspaces(server, teams)
            if fake.ok_count("oauth.v2.access") != teams:
                raise RuntimeError("not every workspace was installed")
            bot_bench.phase(fake, server, mode="burst", count=warmup, teams=teams, phase=8101)
            many = many_workspaces(
                fake,
                server,
                rate=rate,
                seconds=seconds,
                teams=teams,
                reps=reps,
                connections=connections,
                phase=8102,
            )
            reaction_tokens = fake.stats().get("reactions.add", {}).get("tokens", 0)
        finally:
            stopped = server.stop()
        log = server.log_text()
    return {
        "mode": "oauth",
        **installs,
        **many,
        "reaction_tokens": reaction_tokens,
        "log_problems": {
            marker: log.count(marker)
            for marker in (*bot_bench.ERROR_MARKERS, "no_installation")
            if marker in log
        },
        "shutdown": stopped,
    }


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
    reps: int = 1,
    model_path: str | None = None,
) -> dict[str, Any]:
    """Many workspaces installed through OAuth on one gunicorn; then warm-up, the same load in
    single-token mode, the flood and the overload against another."""
    settings = server_settings(workers, threads, model_path)
    oauth = many_workspaces_oauth(
        workdir,
        settings,
        rate=rate,
        seconds=seconds,
        teams=teams,
        reps=reps,
        connections=connections,
        warmup=warmup,
    )
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
                reps=reps,
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
                phase=8003 + reps,
            )
            over = overload(
                fake,
                server,
                burst=burst,
                seconds=overload_seconds,
                connections=connections,
                phase=8005 + reps,
            )
        finally:
            stopped = server.stop()
        log = server.log_text()
    return {
        "server": {"kind": "gunicorn -c gunicorn.conf.py", "workers": workers, "threads": threads},
        "many_workspaces": oauth,
        "many_workspaces_single_token": {"mode": "single-token", **many},
        "flood_fairness": fair,
        "overload": over,
        "shed_log_lines": log.count("work_shed "),
        "log_problems": {
            marker: log.count(marker) for marker in bot_bench.ERROR_MARKERS if marker in log
        },
        "shutdown": stopped,
    }


def server_settings(workers: int, threads: int, model_path: str | None) -> dict[str, str]:
    """gunicorn's size and the log level every server of this benchmark runs with."""
    settings = {
        "WEB_CONCURRENCY": str(workers),
        "GUNICORN_THREADS": str(threads),
        "LOG_LEVEL": "INFO",
        "GRACEFUL_TIMEOUT": "30",
    }
    if model_path:
        settings["MODEL_PATH"] = str(model_path)
    return settings


def main(argv: list[str] | None = None) -> int:
    """The many-workspaces phase alone, in one mode, printed as JSON (not the flood/overload)."""
    import argparse
    import os
    import tempfile

    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.fairness_bench", description=main.__doc__
    )
    parser.add_argument("--mode", choices=("oauth", "single"), default="oauth")
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--teams", type=int, default=100)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--warmup", type=int, default=500)
    parser.add_argument("--model", help="artifact directory (default: the shipped one)")
    parser.add_argument("--set", action="append", default=[], help="NAME=VALUE for the bot")
    args = parser.parse_args(argv)
    settings = server_settings(args.workers, args.threads, args.model)
    settings.update(item.split("=", 1) for item in args.set)
    sizes = dict(
        rate=args.rate,
        seconds=args.seconds,
        teams=args.teams,
        reps=args.reps,
        connections=args.connections,
    )
    with tempfile.TemporaryDirectory(prefix="fairness-bench-") as folder:
        if args.mode == "oauth":
            result = many_workspaces_oauth(Path(folder), settings, warmup=args.warmup, **sizes)
        else:
            with FakeSlackProcess() as fake:
                server = start_server("gunicorn", fake.base_url, Path(folder), **settings)
                try:
                    bot_bench.phase(
                        fake, server, mode="burst", count=args.warmup, teams=args.teams, phase=8001
                    )
                    result = many_workspaces(fake, server, phase=8002, **sizes)
                finally:
                    result["shutdown"] = server.stop()
    result["settings"] = settings
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
