"""The processes a benchmark run starts: the fake Slack, the bot server, and their memory.

Each runs as its own OS process, as in production, so the load generator, the bot's workers and
the fake Slack Web API compete for the machine's cores like real neighbours would, never for one
Python interpreter's GIL. Every process is started here and stopped here, by its own pid.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

REPO = Path(__file__).resolve().parent.parent
SECRET = "bench-signing-secret-0123456789abcdef"
TOKEN = "xoxb-bench-token"
CLIENT_ID = "111.222"  # multi-workspace mode (``oauth_settings``)
CLIENT_SECRET = "3f1c0ffee0benchsecret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(**values: str) -> dict[str, str]:
    """This environment without any bot setting (no real tokens leak in), plus ``values``."""
    drop = (
        "REACTION",
        "LISTENER_QUEUE",
        "SLACK_",
        "MODEL_",
        "REDIS_",
        "PROCESS_SLACK",
        "WEB_CONCURRENCY",
        "GUNICORN_",
        "PORT",
        "HOST",
        "LOG_LEVEL",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    # The load phases measure the bot's pipeline: one workspace gets hundreds of reactions a
    # second, far past Slack's Tier 3 budget the bot keeps per workspace (REACTIONS_PER_MINUTE,
    # 50), which would skip them. A phase that measures the budget sets its own values.
    env.update(NO_REACTION_BUDGET)
    env.update(values)
    return env


NO_REACTION_BUDGET = {"REACTIONS_PER_MINUTE": "0"}  # 0: no budget (a burst of 10,000, split
# among 2 workers, ran out 25 s into the bot phase at 600/s: reactions skipped, counted lost)


SETTLE_SECONDS = 30.0  # after the last request, how long reactions may keep arriving
STALL_SECONDS = 5.0  # ...but give up early once nothing new arrived for this long


def wait_for_reactions(fake: FakeSlackProcess, before: int, count: int) -> dict[str, Any]:
    """Poll the fake until ``count`` reactions beyond ``before`` arrived, or they stop coming.

    Gives up ``SETTLE_SECONDS`` after the call, or once nothing new arrived for
    ``STALL_SECONDS``; returns the fake's last ``reactions.add`` statistics.
    """
    deadline, seen, progress_at = time.monotonic() + SETTLE_SECONDS, -1, time.monotonic()
    while True:
        stats = fake.stats().get("reactions.add", {})
        got = stats.get("ok", 0) - before
        if got != seen:
            seen, progress_at = got, time.monotonic()
        if got >= count or time.monotonic() > deadline:
            return stats
        if time.monotonic() - progress_at > STALL_SECONDS:
            return stats
        time.sleep(0.05)


class FakeSlackProcess:
    """``python -m benchmarks.fake_slack_server`` in its own process; ``stats()`` reads counts.

    ``installs``: it also installs workspaces (``oauth.v2.access``) for multi-workspace mode.
    """

    def __init__(self, socket_url: str | None = None, *, installs: bool = False) -> None:
        extra = ["--socket-url", socket_url] if socket_url else []
        extra += ["--installs"] if installs else []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.fake_slack_server", *extra],
            env=clean_env(),
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.proc.stdout is not None
        self.base_url = self.proc.stdout.readline().strip()
        if not self.base_url.startswith("http://"):
            self.stop()
            raise RuntimeError("the fake Slack did not start")
        self.stats_url = self.base_url.replace("/api/", "/_fake/stats")

    def stats(self) -> dict[str, Any]:
        with urllib.request.urlopen(self.stats_url, timeout=10) as response:
            return json.loads(response.read())

    def replies(self, channel: str) -> dict[str, float]:
        """{thread_ts: epoch s} of the first reply in each thread of ``channel``."""
        url = self.stats_url.replace("/_fake/stats", "/_fake/replies") + f"?channel={channel}"
        with urllib.request.urlopen(url, timeout=10) as response:
            return json.loads(response.read())

    def ok_count(self, method: str) -> int:
        return int(self.stats().get(method, {}).get("ok", 0))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> FakeSlackProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass
class BotServer:
    """A running bot server: its process, URL and log file."""

    kind: str
    proc: subprocess.Popen
    base_url: str
    log_path: Path
    started_at: float
    _log: IO[str] | None = field(default=None, repr=False)

    @property
    def events_url(self) -> str:
        return self.base_url + "/slack/events"

    def pids(self) -> list[int]:
        """The server process and its children (gunicorn's workers)."""
        return [self.proc.pid, *children(self.proc.pid)]

    def stop(self, timeout: float = 40.0) -> dict[str, Any]:
        """SIGTERM, wait; how long it took and the exit code (the graceful path)."""
        started = time.perf_counter()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self._log is not None:
            self._log.close()
        return {"exit_code": self.proc.returncode, "stop_seconds": time.perf_counter() - started}

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def server_argv(kind: str) -> list[str]:
    if kind == "gunicorn":
        return [sys.executable, "-m", "gunicorn", "-c", str(REPO / "gunicorn.conf.py")]
    if kind == "python-m-bot":
        return [sys.executable, "-m", "bot"]
    raise ValueError(f"unknown server kind {kind!r}")


def start_server(
    kind: str, fake_url: str, workdir: Path, *, wait: bool = True, **settings: str
) -> BotServer:
    """Start the bot in HTTP mode on a free port (cwd ``workdir``: no stray ``.env``).

    Single-token mode unless ``settings`` say otherwise (``oauth_settings()``).
    """
    port = free_port()
    env = clean_env(
        **{
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": fake_url,
            "HOST": "127.0.0.1",
            "PORT": str(port),
            **settings,
        }
    )
    log_path = workdir / f"{kind}-{port}.log"
    log = open(log_path, "w", encoding="utf-8")  # noqa: SIM115 - closed by BotServer.stop
    started = time.time()
    proc = subprocess.Popen(
        server_argv(kind), env=env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT
    )
    server = BotServer(kind, proc, f"http://127.0.0.1:{port}", log_path, started, log)
    if wait:
        wait_healthy(server)
    return server


def oauth_settings() -> dict[str, str]:
    """Multi-workspace mode's settings for ``start_server``: no bot token, a fresh key."""
    from cryptography.fernet import Fernet

    return {
        "SLACK_BOT_TOKEN": "",
        "SLACK_CLIENT_ID": CLIENT_ID,
        "SLACK_CLIENT_SECRET": CLIENT_SECRET,
        "SLACK_TOKEN_ENCRYPTION_KEY": Fernet.generate_key().decode(),
    }


def wait_healthy(server: BotServer, timeout: float = 60.0) -> float:
    """Poll ``/healthz`` until 200; seconds since the process started."""
    deadline = time.monotonic() + timeout
    while True:
        if server.proc.poll() is not None:
            raise RuntimeError(f"the {server.kind} server exited: {server.log_text()[-2000:]}")
        try:
            with urllib.request.urlopen(server.base_url + "/healthz", timeout=1) as response:
                if response.status == 200:
                    return time.time() - server.started_at
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the {server.kind} server was not healthy within {timeout}s")
        time.sleep(0.01)


@contextmanager
def running_server(kind: str, fake_url: str, workdir: Path, **settings: str) -> Iterator[BotServer]:
    server = start_server(kind, fake_url, workdir, **settings)
    try:
        yield server
    finally:
        server.stop()


# --- memory ---------------------------------------------------------------------------------


def children(pid: int) -> list[int]:
    """Direct children of ``pid`` (from /proc; no psutil needed)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name (field 2) can hold spaces; the parent pid follows its ')'.
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[1]) == pid:
            out.append(int(entry.name))
    return sorted(out)


def rss_mb(pid: int) -> float:
    """Resident set size (VmRSS) in MiB."""
    return _status_kb(pid, "VmRSS") / 1024


def pss_mb(pid: int) -> float:
    """Proportional set size in MiB: shared pages split between the processes sharing them.

    Summing PSS over a master and its forked workers does not double-count what they share.
    """
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return rss_mb(pid)


def _status_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU time the processes have used so far, in seconds."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / ticks


@contextmanager
def redis_server() -> Iterator[str | None]:
    """A throwaway redis-server on a free loopback port (None if it is not installed)."""
    import shutil

    binary = shutil.which("redis-server")
    if binary is None:
        yield None
        return
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def machine_cpu_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat.

    Compared with the benchmark's own processes over the same stretch, it shows how much CPU
    anything else on the machine took while a figure was measured.
    """
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    ticks = os.sysconf("SC_CLK_TCK")
    return (sum(fields[:8]) - idle) / ticks, sum(fields[:8]) / ticks
