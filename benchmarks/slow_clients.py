"""Ack latency with slow clients connected, and what oversized bodies cost (issue 8, point 2).

For each HTTP server (gunicorn as ``make serve`` runs it: ``WEB_CONCURRENCY`` x
``GUNICORN_THREADS`` on the asyncio worker; and ``python -m bot``), with the fake Slack in its
own process:

1. open ``slow`` connections that send a POST's headers (``Content-Length: 100000``) and one
   body byte, then nothing, and ``slow`` more that stop halfway through their headers;
2. while they stay open, send ``events`` signed channel messages one at a time and time each
   from send to response (the ack), then wait for their reactions;
3. send ``slow`` unsigned requests announcing 50 MB bodies and push up to 50 MB each: the
   server should answer 413 from the headers alone, so its memory (RSS of all its processes)
   must not grow by anything like the bytes pushed.

Target: every ack within 1 s (Slack's window is 3 s) while the slow clients are connected.

The slow clients themselves (``open_slow_client``, ``slow_clients``, ``raw_request``) are the
tests' too (tests/bot/test_http_hardening.py, test_gunicorn.py): this is their only copy.
"""

from __future__ import annotations

import socket
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from benchmarks.loadgen import build_requests
from benchmarks.processes import SECRET, FakeSlackProcess, rss_mb, start_server

BIG = 50 * 1024 * 1024


def _connect(base_url: str) -> socket.socket:
    split = urlsplit(base_url)
    return socket.create_connection((split.hostname, split.port), timeout=5)


def open_slow_client(base_url: str, *, headers_only: bool = False) -> socket.socket:
    """One connection that sent a POST's headers (and one body byte), and now waits.

    The slow-loris shape from issue 8; ``headers_only`` stops halfway through the headers.
    """
    sock = _connect(base_url)
    head = "POST /slack/events HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
    sock.sendall((head if headers_only else head + "Content-Length: 100000\r\n\r\n{").encode())
    return sock


@contextmanager
def slow_clients(
    base_url: str, count: int = 8, *, headers_only: bool = False
) -> Iterator[list[socket.socket]]:
    """``count`` slow connections held open for the duration of the block."""
    socks: list[socket.socket] = []
    try:
        for _ in range(count):
            socks.append(open_slow_client(base_url, headers_only=headers_only))
        yield socks
    finally:
        for sock in socks:
            with suppress(OSError):
                sock.close()


def _status(sock: socket.socket) -> int:
    """Read up to the status line; its code, or 0 if the server answered none."""
    reply = b""
    while b"\r\n" not in reply:
        chunk = sock.recv(4096)
        if not chunk:
            break
        reply += chunk
    parts = reply.split(b" ", 2)
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


def raw_request(base_url: str, head: str, body: bytes = b"", timeout: float = 5.0) -> int:
    """Send raw request bytes on a new connection; the response's status code (0 if none)."""
    split = urlsplit(base_url)
    with socket.create_connection((split.hostname, split.port), timeout=timeout) as sock:
        sock.sendall(head.encode() + body)
        return _status(sock)


def _roundtrip(base_url: str, data: bytes) -> tuple[int, float]:
    """Send one raw request on a new connection; (status, seconds to the status line)."""
    started = time.perf_counter()
    with _connect(base_url) as sock:
        sock.sendall(data)
        status = _status(sock)
    return status, time.perf_counter() - started


def _push_big(base_url: str) -> tuple[int, int]:
    """Announce a 50 MB body and push it until the server stops reading; (status, bytes sent)."""
    sock = _connect(base_url)
    sent = 0
    status = 0
    try:
        head = (
            "POST /slack/events HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
            "X-Slack-Request-Timestamp: 1\r\nX-Slack-Signature: v0=0\r\n"
            f"Content-Length: {BIG}\r\n\r\n"
        )
        sock.sendall(head.encode())
        sock.settimeout(2)
        chunk = b"[" * 65536
        with suppress(OSError):
            while sent < BIG:
                sent += sock.send(chunk)
        with suppress(OSError):
            reply = sock.recv(4096)
            parts = reply.split(b" ", 2)
            status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
    finally:
        sock.close()
    return status, sent


def _still_open(sock: socket.socket) -> bool:
    """The server neither answered nor closed this slow connection (it is still waiting)."""
    sock.setblocking(False)
    try:
        sock.recv(1)
        return False  # an answer (408) or a close
    except BlockingIOError:
        return True
    except OSError:
        return False


def _server_rss(server) -> float:
    return sum(rss_mb(pid) for pid in server.pids())


def _one_server(kind: str, workdir: Path, slow: int, events: int, settings: dict) -> dict:
    with FakeSlackProcess() as fake:
        server = start_server(kind, fake.base_url, workdir, **settings)
        try:
            requests = build_requests(server.events_url, SECRET, events + 5, phase=900)
            for data in requests[:5]:  # warm-up outside the measured set
                _roundtrip(server.base_url, data)
            socks = [open_slow_client(server.base_url) for _ in range(slow)]
            socks += [open_slow_client(server.base_url, headers_only=True) for _ in range(slow)]
            time.sleep(0.5)  # the server has taken every slow connection in
            acks = []
            statuses = []
            for data in requests[5:]:
                status, seconds = _roundtrip(server.base_url, data)
                statuses.append(status)
                acks.append(seconds * 1000)
            still_open = sum(_still_open(sock) for sock in socks)
            for sock in socks:
                sock.close()
            deadline = time.monotonic() + 15
            while fake.ok_count("reactions.add") < events + 5 and time.monotonic() < deadline:
                time.sleep(0.05)
            reacted = fake.ok_count("reactions.add") - 5
            rss_before = _server_rss(server)
            big = [_push_big(server.base_url) for _ in range(slow)]
            time.sleep(0.3)
            rss_after = _server_rss(server)
        finally:
            server.stop()
    acks.sort()
    return {
        "slow_connections": 2 * slow,
        "slow_connections_open_during_acks": still_open,
        "events": events,
        "acked_200": statuses.count(200),
        "reacted": reacted,
        "ack_ms": {
            "p50": statistics.median(acks),
            "p99": acks[min(len(acks) - 1, int(len(acks) * 0.99))],
            "max": acks[-1],
        },
        "all_acked_within_1s": all(ms < 1000 for ms in acks) and statuses.count(200) == events,
        "oversized": {
            "requests": slow,
            "statuses": sorted(set(status for status, _ in big)),
            "mb_pushed": round(sum(sent for _, sent in big) / 1e6, 1),
            "rss_growth_mb": round(rss_after - rss_before, 1),
        },
    }


def run(
    workdir: Path,
    *,
    slow: int = 8,
    events: int = 50,
    workers: int = 2,
    threads: int = 4,
    model_path: str | None = None,
) -> dict[str, Any]:
    """The slow-clients phase against gunicorn and ``python -m bot``."""
    settings = {"WEB_CONCURRENCY": str(workers), "GUNICORN_THREADS": str(threads)}
    if model_path:
        settings["MODEL_PATH"] = model_path
    return {
        "method": (
            f"{slow} clients holding a POST after its headers and one body byte, {slow} more "
            f"halfway through their headers; {events} signed messages sent one at a time "
            "meanwhile, ack = send to status line; then "
            f"{slow} unsigned requests announcing 50 MB, RSS of the server's processes before "
            "and after"
        ),
        "gunicorn": _one_server("gunicorn", workdir, slow, events, settings),
        "python_m_bot": _one_server("python-m-bot", workdir, slow, events, settings),
    }
