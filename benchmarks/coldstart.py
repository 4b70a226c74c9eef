"""Cold start and memory: from process start until the bot answers its first message.

"Answers" means what a person sees: a signed Events API message sent to the new process gets
its reaction at the (fake) Slack Web API. The clock starts just before the process is spawned
and stops at the reaction the fake Slack records, so it covers interpreter start, imports,
settings, loading the model, ``auth.test``, binding the port and handling the event. The request
is retried every few milliseconds until the port accepts it. Memory is read after a warm-up of
messages, mentions and slash commands: RSS of ``python -m bot``; for gunicorn each process's RSS
and the total PSS (forked workers share the preloaded model's pages).

Each kind starts once on a new database (the first start of a deployment: SQLite file created,
SQLAlchemy and Alembic imported, the migrations run) and then restarts on that database, the
start that happens on every deploy; the figures reported are the medians of the restarts, and
the first start is reported beside them.

The tutorial's equivalent, for comparison: a process that imports Keras, loads
``baseline.keras`` and predicts one message, and its RSS after 100 more predictions.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from benchmarks import corpus
from benchmarks.fake_slack_server import CountingFakeSlack
from benchmarks.measure import medians
from benchmarks.processes import REPO, SECRET, clean_env, pss_mb, rss_mb, start_server
from bot.console import slack_requests as payloads


def _post(url: str, body: str, content_type: str, timeout: float = 5.0) -> int:
    headers = {"Content-Type": content_type, **payloads.sign(SECRET, body)}
    request = urllib.request.Request(url, body.encode(), headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


def _warm_up(url: str, fake: CountingFakeSlack, events: int) -> None:
    """Messages of both kinds, mentions and slash commands, a few at a time."""
    bodies = []
    for n in range(events):
        text = corpus.LOAD_POSITIVE if n % 2 else corpus.LOAD_NEGATIVE
        bodies.append(
            (
                payloads.json_body(
                    payloads.event_callback(payloads.message_event(text, channel="CWARM"))
                ),
                "application/json",
            )
        )
        if n % 15 == 0:
            mention = payloads.app_mention_event(f"<@{fake.bot_user_id}> {text}")
            bodies.append(
                (payloads.json_body(payloads.event_callback(mention)), "application/json")
            )
            command = payloads.slash_command(text, response_url=fake.response_url())
            bodies.append((payloads.form_body(command), "application/x-www-form-urlencoded"))
    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(lambda b: _post(url, *b), bodies))
    if any(status != 200 for status in statuses):
        raise RuntimeError(f"warm-up got non-200 answers: {sorted(set(statuses))}")
    fake.wait_for("reactions.add", count=events + 1, timeout=60)


def measure_once(
    kind: str, workdir: Path, *, warmup_events: int, settings: dict[str, str]
) -> dict[str, Any]:
    """One cold start of ``kind`` (``python-m-bot`` or ``gunicorn``) and its memory after."""
    with CountingFakeSlack() as fake:
        server = start_server(kind, fake.base_url, workdir, wait=False, **settings)
        try:
            first = payloads.json_body(
                payloads.event_callback(
                    payloads.message_event(corpus.SINGLE_MESSAGE, channel="CCOLD"),
                    event_id=payloads.new_event_id(),  # new each start: the host record stays
                )
            )
            while True:
                if server.proc.poll() is not None:
                    raise RuntimeError(f"{kind} exited: {server.log_text()[-2000:]}")
                try:
                    if _post(server.events_url, first, "application/json", timeout=10) == 200:
                        acked_at = time.time()
                        break
                except (OSError, urllib.error.URLError):
                    time.sleep(0.005)
            (reaction,) = fake.wait_for("reactions.add", timeout=30)
            ready = reaction.at - server.started_at
            _warm_up(server.events_url, fake, warmup_events)
            time.sleep(0.5)
            pids = server.pids()
            rss = {str(pid): rss_mb(pid) for pid in pids}
            pss_total = sum(pss_mb(pid) for pid in pids)
        finally:
            stopped = server.stop()
    return {
        "ready_seconds": ready,
        "first_ack_seconds": acked_at - server.started_at,
        "processes": len(pids),
        "rss_mb": rss,
        "rss_max_process_mb": max(rss.values()),
        "rss_total_mb": sum(rss.values()),
        "pss_total_mb": pss_total,
        "shutdown": stopped,
    }


def run(
    kind: str, workdir: Path, *, reps: int, warmup_events: int, settings: dict[str, str]
) -> dict[str, Any]:
    """A first start on a new database, then the median over ``reps`` restarts on it."""
    database = workdir / f"coldstart-{kind}.sqlite3"
    for stale in workdir.glob(f"{database.name}*"):
        stale.unlink()
    settings = {**settings, "DATABASE_URL": f"sqlite:///{database}"}
    runs = [
        measure_once(kind, workdir, warmup_events=warmup_events, settings=settings)
        for _ in range(reps + 1)
    ]
    first, restarts = runs[0], runs[1:]
    return {
        "server": kind,
        "reps": reps,
        "warmup_events": warmup_events,
        "first_start_ready_seconds": first["ready_seconds"],
        **medians(
            restarts,
            (
                "ready_seconds",
                "first_ack_seconds",
                "rss_max_process_mb",
                "rss_total_mb",
                "pss_total_mb",
            ),
        ),
        "processes": runs[0]["processes"],
        "runs": runs,
    }


_TUTORIAL = r"""
import json, os, sys, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
from pathlib import Path
import keras
from model.training.network import multi_hot
from model.text import tokenize
from model.vectorize import WordIndex
art = Path(sys.argv[1])
net = keras.models.load_model(art / "baseline.keras", compile=False)
index = WordIndex.load(art / "word_index.json")
x = lambda t: multi_hot([index.encode(tokenize(t), num_words=10000)], 10000)
float(net.predict(x(sys.argv[2]), verbose=0)[0, 0])
ready = time.time()
for _ in range(100):
    net.predict(x(sys.argv[2]), verbose=0)
rss = [l for l in open("/proc/self/status") if l.startswith("VmRSS:")][0].split()[1]
print(json.dumps({"ready_at": ready, "rss_mb": int(rss) / 1024}))
"""


def tutorial(artifact_dir: Path, reps: int) -> dict[str, Any]:
    """The tutorial's cold start: a process that can predict one message with Keras."""
    runs = []
    for _ in range(reps):
        started = time.time()
        done = subprocess.run(
            [sys.executable, "-c", _TUTORIAL, str(artifact_dir), corpus.SINGLE_MESSAGE],
            cwd=REPO,
            env=clean_env(),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"tutorial cold start failed: {done.stderr[-2000:]}")
        out = json.loads(done.stdout.strip().splitlines()[-1])
        runs.append({"ready_seconds": out["ready_at"] - started, "rss_mb": out["rss_mb"]})
    return {
        "what": "python: import keras, load baseline.keras, predict one message",
        "reps": reps,
        **medians(runs, ("ready_seconds", "rss_mb")),
        "runs": runs,
    }
