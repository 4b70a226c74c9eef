"""Reuse connections to Slack across Web API calls, for every slack_sdk client in the process.

slack_sdk's sync clients (``WebClient``, ``WebhookClient``, and the per-request clients Bolt
builds) send each call through ``urllib.request.urlopen``, and urllib opens a new connection for
every request and asks the server to close it: a TCP (and, to slack.com, TLS) handshake per
reaction, reply and ``users.info``. ``use_keepalive()`` installs an opener whose HTTP and HTTPS
handlers keep idle connections in a small bounded pool instead, so a process busy with one
workspace's events makes its calls over a few long-lived connections. Only slack_sdk's requests
(its User-Agent) are pooled; any other urllib request in the process is left exactly as it was.

What stays as urllib does it: the request bytes (minus ``Connection: close``), redirects and
HTTP errors (the opener's other handlers see an ordinary response), ``URLError`` when a request
cannot be sent, timeouts raised as they are (a read timeout is never retried here: Slack may
have acted on it). Clients with their own SSL context or proxy build their own opener and are
unaffected. Two rules keep reuse safe:

- an idle connection the server has closed (or that has anything to read) is dropped, not used;
- a reused connection that fails before any answer arrives is retried once on a new one (as
  ``xmlrpc.client`` does): the server closed it while the request was on its way, unread.

After ``fork`` the child starts with an empty pool, so processes never share a socket.
"""

from __future__ import annotations

import http.client
import io
import os
import select
import threading
import time
import urllib.request
from typing import Any
from urllib.error import URLError
from urllib.response import addinfourl

from bot.listener_pool import off_cpu

# A process's listener and ack threads make their calls side by side: a few per host suffice.
IDLE_PER_HOST = 8
IDLE_IN_ALL = 32
# Idle connections older than this are closed rather than reused (load balancers drop idle
# connections after about a minute; a stale one would only cost a retry).
IDLE_SECONDS = 30.0
_STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)

Key = tuple[str, str]  # (scheme, host[:port])
# slack_sdk's User-Agent ("Python/3.x slackclient/3.y ..."): only its calls (to Slack) are kept
# alive; anything else in the process that uses urllib gets urllib's one-request connections.
SDK_AGENT = "slackclient/"


class ConnectionPool:
    """Idle connections by host, most recent first out; bounded per host and in all."""

    def __init__(
        self,
        per_host: int = IDLE_PER_HOST,
        in_all: int = IDLE_IN_ALL,
        idle_seconds: float = IDLE_SECONDS,
    ) -> None:
        self.per_host = per_host
        self.in_all = in_all
        self.idle_seconds = idle_seconds
        self._lock = threading.Lock()
        # (host, connection, parked at), oldest first; at most ``in_all``, so scans are short
        self._idle: list[tuple[Key, http.client.HTTPConnection, float]] = []

    def take(self, key: Key) -> http.client.HTTPConnection | None:
        """A live idle connection to ``key``, or None."""
        while True:
            with self._lock:
                found = next(
                    (i for i in reversed(range(len(self._idle))) if self._idle[i][0] == key), None
                )
                if found is None:
                    return None
                _key, conn, parked = self._idle.pop(found)
            if time.monotonic() - parked < self.idle_seconds and _still_open(conn):
                return conn
            conn.close()

    def give(self, key: Key, conn: http.client.HTTPConnection) -> None:
        """Park ``conn`` (its response fully read) for the next call to ``key``."""
        evicted = []
        with self._lock:
            self._idle.append((key, conn, time.monotonic()))
            same_host = [i for i, parked in enumerate(self._idle) if parked[0] == key]
            if len(same_host) > self.per_host:
                evicted.append(self._idle.pop(same_host[0])[1])
            while len(self._idle) > self.in_all:
                evicted.append(self._idle.pop(0)[1])
        for old in evicted:
            old.close()

    def clear(self) -> None:
        """Forget every idle connection (after a fork: the parent still owns those sockets)."""
        with self._lock:
            self._idle.clear()

    def idle(self) -> int:
        """How many connections are parked."""
        with self._lock:
            return len(self._idle)


def _still_open(conn: http.client.HTTPConnection) -> bool:
    """False when the server closed the idle connection (or sent something unasked)."""
    sock = conn.sock
    if sock is None:
        return False
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return False
    return not readable


class _KeepAliveMixin:
    """``do_open`` over pooled connections; the rest of urllib's handler chain is unchanged."""

    pool: ConnectionPool
    _debuglevel: int

    def _keepalive_open(
        self, http_class: type[http.client.HTTPConnection], req: urllib.request.Request, **kw: Any
    ) -> addinfourl:
        host = req.host
        if not host:
            raise URLError("no host given")
        with off_cpu():  # a listener thread waiting on Slack lets another one run meanwhile
            if req._tunnel_host or SDK_AGENT not in (req.get_header("User-agent") or ""):  # type: ignore[attr-defined]
                # a proxy, or not slack_sdk calling Slack: urllib's own path
                return urllib.request.AbstractHTTPHandler.do_open(self, http_class, req, **kw)  # type: ignore[arg-type]
            return self._exchange(http_class, req, host, **kw)

    def _exchange(
        self,
        http_class: type[http.client.HTTPConnection],
        req: urllib.request.Request,
        host: str,
        **kw: Any,
    ) -> addinfourl:
        headers = dict(req.unredirected_hdrs)
        headers.update({k: v for k, v in req.headers.items() if k not in headers})
        headers = {name.title(): value for name, value in headers.items()}
        key: Key = (req.type, host)
        for attempt in (0, 1):
            conn = self.pool.take(key)
            reused = conn is not None
            if conn is None:
                conn = http_class(host, timeout=req.timeout, **kw)
                conn.set_debuglevel(self._debuglevel)
            elif conn.sock is not None:
                conn.timeout = req.timeout
                conn.sock.settimeout(req.timeout)
            try:
                try:
                    conn.request(
                        req.get_method(),
                        req.selector,
                        req.data,
                        headers,
                        encode_chunked=req.has_header("Transfer-encoding"),
                    )
                except OSError as err:  # as urllib: a request that could not be sent
                    if reused and attempt == 0 and isinstance(err, _STALE):
                        conn.close()
                        continue
                    raise URLError(err) from err
                try:
                    response = conn.getresponse()
                except _STALE:
                    if reused and attempt == 0:
                        conn.close()
                        continue
                    raise
                body = response.read()
            except BaseException:
                conn.close()
                raise
            if response.will_close:
                conn.close()
            else:
                self.pool.give(key, conn)
            answer = addinfourl(io.BytesIO(body), response.msg, req.get_full_url(), response.status)
            answer.msg = response.reason  # type: ignore[attr-defined] # as urllib's do_open
            return answer
        raise AssertionError("unreachable")  # pragma: no cover


class KeepAliveHTTPHandler(_KeepAliveMixin, urllib.request.HTTPHandler):
    def __init__(self, pool: ConnectionPool) -> None:
        super().__init__()
        self.pool = pool

    def http_open(self, req: urllib.request.Request) -> addinfourl:
        return self._keepalive_open(http.client.HTTPConnection, req)


class KeepAliveHTTPSHandler(_KeepAliveMixin, urllib.request.HTTPSHandler):
    def __init__(self, pool: ConnectionPool) -> None:
        super().__init__()
        self.pool = pool

    def https_open(self, req: urllib.request.Request) -> addinfourl:
        return self._keepalive_open(
            http.client.HTTPSConnection,
            req,
            context=self._context,  # type: ignore[attr-defined]
        )


_installed: ConnectionPool | None = None


def use_keepalive(pool: ConnectionPool | None = None) -> ConnectionPool:
    """Make ``urllib.request.urlopen`` (hence slack_sdk's clients) reuse connections; once per
    process, at startup. Returns the pool (the one already installed on a second call)."""
    global _installed
    if _installed is not None:
        return _installed
    pool = pool or ConnectionPool()
    urllib.request.install_opener(
        urllib.request.build_opener(KeepAliveHTTPHandler(pool), KeepAliveHTTPSHandler(pool))
    )
    os.register_at_fork(after_in_child=pool.clear)
    _installed = pool
    return pool
