"""The bot in Socket Mode under load, and how fast it acks after Slack's routine reconnect.

``python -m bot`` with ``SLACK_APP_TOKEN`` (one process, the real model) connects to a local
Socket Mode server played by this process (a ``websockets`` server: ``hello``, envelopes,
acks, ``disconnect``), through the fake Slack Web API's ``apps.connections.open`` (its own
process, which also records the reactions). Phases, mirroring the HTTP ones:

- fixed rate and burst: ``events_api`` envelopes with unique ``event_id``s (alternately a
  confidently positive and negative channel message), sent open loop; ack latency is send to
  ack on this side of the socket, events handled/s is reactions recorded over the time from the
  first envelope to the last reaction, lost = sent minus reactions;
- reconnect: a ``disconnect`` envelope (``warning`` and ``refresh_requested`` alternately), then
  one event on the new socket as soon as it said ``hello``: disconnect to that event's ack;
- overload (issue 17): twice the burst's handled/s, offered for ``overload_seconds`` over 10
  workspaces, one envelope in 20 a mention: ack p99, handled/s (reactions and replies), what
  the bot shed (``slackbot_work_shed_total``, from ``/metrics`` on its health port) and what is
  unaccounted (sent minus handled minus shed) once every event was handled or shed. The full
  run offers it for 30 s: long enough to fill the listener queues' bounds, so the shed policy
  runs (and the reading thread keeps acking while it does).
"""

from __future__ import annotations

import json
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from benchmarks.fairness_bench import MENTION_EVERY, OVERLOAD_TEAMS, shed_counts
from benchmarks.loadgen import event_for, team_for
from benchmarks.measure import latency_summary
from benchmarks.processes import (
    REPO,
    SETTLE_SECONDS,
    STALL_SECONDS,
    TOKEN,
    FakeSlackProcess,
    clean_env,
    free_port,
    wait_for_reactions,
)
from bot.console import slack_requests as payloads

APP_TOKEN = "xapp-1-bench"
DRAIN_SECONDS = 180.0  # after an overload, the most the backlog may take to be answered


class SocketModeServer:
    """Slack's side of Socket Mode on 127.0.0.1: the newest connection gets the envelopes."""

    def __init__(self) -> None:
        from websockets.sync.server import serve

        self.acked_at: dict[str, float] = {}
        self.connections = 0
        self._conn: Any = None
        self._changed = threading.Condition()
        self.server = serve(self._handle, "127.0.0.1", 0, compression=None)
        self.port = self.server.socket.getsockname()[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/link/?ticket=bench"

    def _handle(self, conn: Any) -> None:
        conn.send(json.dumps({"type": "hello", "num_connections": 1, "debug_info": {}}))
        with self._changed:
            self._conn = conn
            self.connections += 1
            self._changed.notify_all()
        try:
            for raw in conn:
                now = time.perf_counter()
                envelope_id = json.loads(raw).get("envelope_id")
                with self._changed:
                    self.acked_at[envelope_id] = now
                    self._changed.notify_all()
        except Exception:  # noqa: BLE001 - the bot closed this socket (a reconnect)
            pass

    def wait_connections(self, count: int, timeout: float = 60.0) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self.connections >= count, timeout)

    def wait_acked(self, envelope_ids: list[str], timeout: float) -> None:
        with self._changed:
            self._changed.wait_for(lambda: all(e in self.acked_at for e in envelope_ids), timeout)

    def send(self, message: str) -> None:
        self._conn.send(message)

    def close(self) -> None:
        self.server.shutdown()


def _envelopes(
    count: int, phase: int, teams: int = 1, mention_every: int = 0
) -> list[tuple[str, str]]:
    base = int(time.time())
    run = uuid.uuid4().hex[:6].upper()  # new ids every run: the host record outlives a process
    # One workspace per phase: three 600/s phases from one workspace within a minute would
    # spend even the bench's lifted reaction budget (10,000 a minute) and skip ~4,000
    # reactions, which the bench then counted as lost.
    team = f"TSOCK{phase:04d}" if teams == 1 else None
    out = []
    for i in range(count):
        event = event_for(i, f"CSOCK{phase:04d}", f"{base}.{i:06d}", mention_every)
        envelope_id = str(uuid.uuid4())
        body = {
            "envelope_id": envelope_id,
            "type": "events_api",
            "accepts_response_payload": False,
            "retry_attempt": 0,
            "retry_reason": "",
            "payload": payloads.event_callback(
                event, event_id=f"EvS{run}{phase:04d}N{i:07d}", team_id=team_for(i, teams, team)
            ),
        }
        out.append((envelope_id, json.dumps(body)))
    return out


def _phase(
    ws: SocketModeServer, fake: FakeSlackProcess, count: int, rate: float | None, phase: int
) -> dict[str, Any]:
    envelopes = _envelopes(count, phase)
    before = fake.stats().get("reactions.add", {}).get("ok", 0)
    sent_at: dict[str, float] = {}
    started_epoch, started = time.time(), time.perf_counter()
    for i, (envelope_id, message) in enumerate(envelopes):
        if rate:
            delay = started + i / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
        sent_at[envelope_id] = time.perf_counter()
        ws.send(message)
    ws.wait_acked(list(sent_at), timeout=SETTLE_SECONDS)
    stats = wait_for_reactions(fake, before, count)
    got = stats.get("ok", 0) - before
    latencies = [(ws.acked_at[e] - sent_at[e]) * 1000 for e in sent_at if e in ws.acked_at]
    span = max(1e-9, (stats.get("last_at") or started_epoch) - started_epoch)
    send_seconds = max(1e-9, max(sent_at.values()) - started)
    return {
        "sent": count,
        "offered_rate": rate,
        "acked": len(latencies),
        "unacked": count - len(latencies),
        "ack_latency": latency_summary(latencies),
        "sent_per_second": count / send_seconds,
        "reactions_recorded": got,
        "lost": max(0, count - got),
        "duplicates": max(0, got - count),
        "handled_per_second": got / span,
    }


def _overload(
    ws: SocketModeServer, fake: FakeSlackProcess, capacity: float, seconds: float, metrics_url: str
) -> dict[str, Any]:
    """Twice ``capacity`` for ``seconds``, over several workspaces: acks, handled, shed."""
    offered = 2 * capacity
    count = max(1, round(offered * seconds))
    envelopes = _envelopes(count, 7000, OVERLOAD_TEAMS, MENTION_EVERY)
    mentions = len(range(0, count, MENTION_EVERY))
    shed_before = shed_counts(metrics_url)
    reactions_before = fake.ok_count("reactions.add")
    replies_before = fake.ok_count("chat.postMessage")
    sent_at: dict[str, float] = {}
    started_epoch, started = time.time(), time.perf_counter()
    for i, (envelope_id, message) in enumerate(envelopes):
        delay = started + i / offered - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        sent_at[envelope_id] = time.perf_counter()
        ws.send(message)
    send_seconds = max(1e-9, time.perf_counter() - started)
    ws.wait_acked(list(sent_at), timeout=SETTLE_SECONDS)
    # The backlog at the queue bounds is tens of seconds of work: wait until every event is
    # handled or shed (or nothing moves for STALL_SECONDS), not for a fixed time.
    shed_before_all = sum(shed_before.values())
    deadline, seen, moved = time.monotonic() + DRAIN_SECONDS, -1, time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - moved < STALL_SECONDS:
        done = (
            fake.ok_count("reactions.add")
            - reactions_before
            + fake.ok_count("chat.postMessage")
            - replies_before
            + sum(shed_counts(metrics_url).values())
            - shed_before_all
        )
        if done >= count:
            break
        if done != seen:
            seen, moved = done, time.monotonic()
        time.sleep(0.2)
    stats = fake.stats()
    reactions = stats.get("reactions.add", {}).get("ok", 0) - reactions_before
    replies = stats.get("chat.postMessage", {}).get("ok", 0) - replies_before
    last = stats.get("reactions.add", {}).get("last_at") or time.time()
    shed_after = shed_counts(metrics_url)
    shed = {kind: shed_after.get(kind, 0) - shed_before.get(kind, 0) for kind in shed_after}
    latencies = [(ws.acked_at[e] - sent_at[e]) * 1000 for e in sent_at if e in ws.acked_at]
    handled = reactions + replies
    return {
        "capacity_per_second": capacity,
        "offered_rate": offered,
        "seconds": seconds,
        "sent": count,
        "sent_per_second": count / send_seconds,
        "unacked": count - len(latencies),
        "ack_latency": latency_summary(latencies),
        "handled": handled,
        "handled_per_second": handled / max(1e-9, last - started_epoch),
        "reactions": reactions,
        "mentions_sent": mentions,
        "replies": replies,
        "shed": shed,
        "unaccounted": count - handled - sum(shed.values()),
    }


def _reconnects(ws: SocketModeServer, count: int) -> list[dict[str, Any]]:
    runs = []
    for n in range(count):
        reason = "warning" if n % 2 == 0 else "refresh_requested"
        connections = ws.connections
        disconnected = time.perf_counter()
        ws.send(json.dumps({"type": "disconnect", "reason": reason, "debug_info": {}}))
        if not ws.wait_connections(connections + 1, timeout=30):
            runs.append({"reason": reason, "reconnected": False})
            continue
        connected = time.perf_counter()
        ((envelope_id, message),) = _envelopes(1, 9000 + n)
        sent = time.perf_counter()
        ws.send(message)
        ws.wait_acked([envelope_id], timeout=30)
        acked = ws.acked_at.get(envelope_id)
        runs.append(
            {
                "reason": reason,
                "reconnected": True,
                "reconnect_seconds": connected - disconnected,
                "first_ack_ms": (acked - sent) * 1000 if acked else None,
                "disconnect_to_first_ack_seconds": acked - disconnected if acked else None,
            }
        )
        time.sleep(0.2)
    return runs


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "reps": len(runs),
        "events_per_rep": runs[0]["sent"],
        "handled_per_second": statistics.median(r["handled_per_second"] for r in runs),
        "ack_p50_ms": statistics.median(r["ack_latency"]["p50_ms"] for r in runs),
        "ack_p99_ms": statistics.median(r["ack_latency"]["p99_ms"] for r in runs),
        "sent": sum(r["sent"] for r in runs),
        "unacked": sum(r["unacked"] for r in runs),
        "lost": sum(r["lost"] for r in runs),
        "duplicates": sum(r["duplicates"] for r in runs),
        "runs": runs,
    }


def run(
    workdir: Path,
    *,
    rate: float,
    seconds: float,
    burst: int,
    reps: int,
    warmup: int,
    reconnects: int,
    model_path: str | None = None,
    overload_seconds: float = 0.0,
) -> dict[str, Any]:
    """Warm-up, ``reps`` fixed-rate phases and bursts, ``reconnects`` reconnects, then (with
    ``overload_seconds``) twice the burst's handled/s."""
    ws = SocketModeServer()
    port = free_port()
    settings = {
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_APP_TOKEN": APP_TOKEN,
        "LOG_LEVEL": "INFO",
        "HOST": "127.0.0.1",
        "PORT": str(port),  # the health server: /metrics for the shed counts
    }
    if model_path:
        settings["MODEL_PATH"] = str(model_path)
    log_path = workdir / "socket-mode-bot.log"
    try:
        with FakeSlackProcess(socket_url=ws.url) as fake, open(log_path, "w") as log:
            settings["SLACK_API_URL"] = fake.base_url
            proc = subprocess.Popen(
                [sys.executable, "-m", "bot"],
                env=clean_env(**settings),
                cwd=workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                if not ws.wait_connections(1, timeout=60):
                    raise RuntimeError(f"the bot never connected: {log_path.read_text()[-2000:]}")
                phases = iter(range(1, 10_000))
                warm = _phase(ws, fake, warmup, None, next(phases))
                rate_runs = [
                    _phase(ws, fake, int(rate * seconds), rate, next(phases)) for _ in range(reps)
                ]
                burst_runs = [_phase(ws, fake, burst, None, next(phases)) for _ in range(reps)]
                reconnect_runs = _reconnects(ws, reconnects)
                overload = None
                if overload_seconds:
                    capacity = statistics.median(r["handled_per_second"] for r in burst_runs)
                    metrics_url = f"http://127.0.0.1:{port}/metrics"
                    overload = _overload(ws, fake, capacity, overload_seconds, metrics_url)
            finally:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=40)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
    finally:
        ws.close()
    waits = [r["disconnect_to_first_ack_seconds"] for r in reconnect_runs if r.get("reconnected")]
    waits = [w for w in waits if w is not None]
    log_text = log_path.read_text(errors="replace")
    return {
        "server": {"kind": "python -m bot (Socket Mode)", "exit_code": proc.returncode},
        "warmup": {"events": warm["sent"], "lost": warm["lost"]},
        "rate": _summary(rate_runs),
        "burst": _summary(burst_runs),
        "reconnect": {
            "runs": reconnect_runs,
            "reconnects": len(reconnect_runs),
            "failed": sum(1 for r in reconnect_runs if not r.get("reconnected")),
            "disconnect_to_first_ack_median_s": statistics.median(waits) if waits else None,
            "disconnect_to_first_ack_max_s": max(waits) if waits else None,
        },
        "overload": overload,
        "shed_log_lines": log_text.count("work_shed "),
        "log_problems": {
            marker: log_text.count(marker)
            for marker in ("Traceback", "handler_failed", "slack_call_failed", "unhandled_error")
            if marker in log_text
        },
        "connections": ws.connections,
    }


if __name__ == "__main__":  # a quick look: python -m benchmarks.socket_mode_bench
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        result = run(
            Path(tmp),
            rate=100,
            seconds=1,
            burst=100,
            reps=1,
            warmup=20,
            reconnects=2,
            overload_seconds=1,
            model_path=str(REPO / "model" / "artifacts" / "imdb-sentiment-v1"),
        )
    print(json.dumps({k: v for k, v in result.items() if k != "runs"}, indent=1, default=str))
