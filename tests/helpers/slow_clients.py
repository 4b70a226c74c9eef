"""Slow HTTP clients: connections that send their headers and then (almost) nothing.

The slow-loris shape from issue 8: a POST whose headers promise a body, followed by one body
byte, then silence for as long as the connection stays open. ``headers_only`` stops halfway
through the headers instead. Used by the tests and by the benchmark's slow-clients phase.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from urllib.parse import urlsplit


def open_slow_client(base_url: str, *, headers_only: bool = False) -> socket.socket:
    """One connection to ``base_url`` that sent headers (and one body byte), and now waits."""
    split = urlsplit(base_url)
    sock = socket.create_connection((split.hostname, split.port), timeout=5)
    head = (
        f"POST /slack/events HTTP/1.1\r\nHost: {split.netloc}\r\nContent-Type: application/json\r\n"
    )
    if headers_only:
        sock.sendall(head.encode())
    else:
        sock.sendall((head + "Content-Length: 100000\r\n\r\n{").encode())
    return sock


@contextmanager
def slow_clients(base_url: str, count: int = 8, *, headers_only: bool = False) -> Iterator[list]:
    """``count`` slow connections held open for the duration of the block."""
    socks = []
    try:
        for _ in range(count):
            socks.append(open_slow_client(base_url, headers_only=headers_only))
        yield socks
    finally:
        for sock in socks:
            with suppress(OSError):
                sock.close()


def raw_request(base_url: str, head: str, body: bytes = b"", timeout: float = 5.0) -> int:
    """Send raw request bytes and return the response's status code (0 if none)."""
    split = urlsplit(base_url)
    with socket.create_connection((split.hostname, split.port), timeout=timeout) as sock:
        sock.sendall(head.encode() + body)
        data = b""
        while b"\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    parts = data.split(b" ", 2)
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
