"""The record of handled Slack events in Redis, shared by every replica behind a load balancer.

Slack redelivers an event when it did not see the ack in time, and behind a load balancer the
redelivery can land on any replica: only a shared record can tell that another replica already
handled it. One atomic command per delivery, ``SET <prefix><event_id> 1 NX EX <ttl>``, both
records the event and says whether it was new, so two replicas racing on the same event cannot
both win.

A Redis outage never stops the bot. Every process also keeps its in-process record; when Redis
fails (or answers with an error) the process logs it once and decides from that local record
alone, at once, while a background thread pings Redis every ``probe_interval`` seconds. When
Redis answers again, the events handled without it are written to it (so a redelivery reaching
another replica is still recognised), Redis is the record again, and one line says how long it
was down and how many events were handled without it. The price during an outage: a
redelivery that lands on a *different* replica may be answered twice.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from bot import metrics
from bot.delivery.seen_events import MemorySeenEvents, SeenEvents

log = logging.getLogger("bot.delivery.seen_events")

KEY_PREFIX = "sentiment-bot:event:"
TIMEOUT_SECONDS = 0.5  # connect and command timeout: an ack must not wait on a sick Redis
PROBE_INTERVAL_SECONDS = 0.2  # while Redis is down, ping it this often (in the background)
MAX_REPLAYED_KEYS = 100_000  # keys handled during an outage, written to Redis when it is back


def make_redis_client(url: str, timeout: float = TIMEOUT_SECONDS) -> Any:
    """A redis-py client with short timeouts and one immediate retry on a broken connection.

    redis-py's default retries with exponential backoff for seconds, far longer than an ack may
    take. One retry without backoff replaces a pooled connection Redis dropped (a restart). A
    *timeout* is never retried: the ``SET NX`` may have run, and repeating it would answer "seen"
    for the event this very call recorded, so nobody would handle it.
    """
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return redis.Redis.from_url(
        url,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 1, supported_errors=(redis.exceptions.ConnectionError,)),
        health_check_interval=30,
    )


class RedisSeenEvents:
    """``SeenEvents`` on Redis (``SET NX EX``), with the in-process record as a fallback.

    The Redis client is created on first use, so an app built before gunicorn forks its workers
    opens its connections in each worker, not in the master.
    """

    def __init__(
        self,
        url: str,
        ttl_seconds: int = 3600,
        *,
        prefix: str = KEY_PREFIX,
        probe_interval: float = PROBE_INTERVAL_SECONDS,
        client: Any = None,
        clock: Callable[[], float] = time.monotonic,
        fallback: SeenEvents | None = None,
        down_at_start: bool = False,
    ) -> None:
        self._url = url
        self._ttl = max(1, int(ttl_seconds))
        self._prefix = prefix
        self._probe_interval = probe_interval
        self._client = client
        self._clock = clock
        # Asked first, and the record while Redis is down: the host record (``DEDUPE_DB``), so
        # a redelivery reaching another worker on this host during an outage is still seen.
        self._local: SeenEvents = fallback or MemorySeenEvents(ttl_seconds=float(self._ttl))
        self._lock = threading.Lock()
        self._down = False
        self._down_since = 0.0
        self._handled_without = 0  # during the current outage
        self._unreplayed: list[str] = []
        self._closed = threading.Event()
        self._probe_pid: int | None = None  # the process whose probe thread is running
        self.handled_without_redis = 0  # over this process's life, for tests and the bench
        if down_at_start:
            # The startup check found Redis down (bootstrap logged it): say so from the first
            # /readyz, not only once an event meets the outage. No thread starts here: this may
            # be gunicorn's master; each process starts its own probe when it first looks.
            self._down = True
            self._down_since = clock()
            metrics.DEDUPE_FALLBACKS.labels(store="redis").inc()
            metrics.DEDUPE_DEGRADED.labels(fallback=self._fallback_name()).set(1)

    def first_time(self, key: str) -> bool:
        """True when neither Redis nor this process has seen ``key``; never raises."""
        # This process's own record first: a thread of this process already claimed the key
        # (or handled it during an outage, which Redis never heard of), so it is not new. Only
        # the claiming thread asks Redis, which then decides across replicas.
        if not self._local.first_time(key):
            return False
        if self._handled_locally_if_down(key):
            return True
        try:
            stored = self._redis().set(self._prefix + key, b"1", nx=True, ex=self._ttl)
        except Exception as err:  # noqa: BLE001 - any Redis failure means: decide locally
            self._went_down(err)
            self._handled_locally_if_down(key)
            return True
        return bool(stored)

    @property
    def down(self) -> bool:
        """Whether this process is deciding without Redis right now."""
        return self._down

    @property
    def degraded(self) -> str | None:
        """The record deciding instead of Redis (``host_file``, ``memory``), or None."""
        if not self._down:
            return None
        self._ensure_probe()
        return self._fallback_name()

    def _fallback_name(self) -> str:
        narrower = getattr(self._local, "degraded", None)
        return narrower or ("host_file" if hasattr(self._local, "path") else "memory")

    def close(self) -> None:
        """Stop probing and close the client's connections (the record lives on in Redis)."""
        self._closed.set()
        with self._lock:
            client, self._client = self._client, None
            still_down, count = self._down, self._handled_without
        if still_down and count:
            log.warning("dedupe_store_still_unavailable store=redis handled_without_it=%d", count)
        if client is not None:
            client.close()
        close_local = getattr(self._local, "close", None)
        if close_local is not None:
            close_local()

    def _redis(self) -> Any:
        client = self._client
        if client is None:
            with self._lock:
                if self._client is None:
                    self._client = make_redis_client(self._url)
                client = self._client
        return client

    def _handled_locally_if_down(self, key: str) -> bool:
        if self._down:
            self._ensure_probe()
        with self._lock:
            if not self._down:
                return False
            self._handled_without += 1
            self.handled_without_redis += 1
            if len(self._unreplayed) < MAX_REPLAYED_KEYS:
                self._unreplayed.append(key)
            return True

    def _went_down(self, err: Exception) -> None:
        with self._lock:
            if self._down:
                return
            self._down = True
            self._down_since = self._clock()
        metrics.DEDUPE_FALLBACKS.labels(store="redis").inc()
        metrics.DEDUPE_DEGRADED.labels(fallback=self._fallback_name()).set(1)
        # The error type only: redis-py messages can contain the URL, password included.
        log.warning(
            "dedupe_store_unavailable store=redis error=%s fallback=in_process probe_every=%.1fs",
            type(err).__name__,
            self._probe_interval,
        )
        self._ensure_probe()

    def _ensure_probe(self) -> None:
        """One probe thread per process while Redis is down (a fork inherits no thread)."""
        pid = os.getpid()
        with self._lock:
            if self._probe_pid == pid or not self._down or self._closed.is_set():
                return
            self._probe_pid = pid
        threading.Thread(target=self._probe, name="redis-probe", daemon=True).start()

    def _probe(self) -> None:
        """Ping Redis until it answers, then hand the record back to it."""
        while not self._closed.wait(self._probe_interval):
            try:
                client = self._redis()
                client.ping()
            except Exception:  # noqa: BLE001 - still down: try again later
                continue
            # Write back what was handled without Redis before using it again, so a redelivery
            # that reaches another replica meanwhile is still seen; keys handled while this runs
            # are taken in the next round. Only then is Redis the record again.
            replayed = 0
            while True:
                with self._lock:
                    keys, self._unreplayed = self._unreplayed, []
                    if not keys:
                        count, self._handled_without = self._handled_without, 0
                        seconds = self._clock() - self._down_since
                        log.info(
                            "dedupe_store_recovered store=redis down_seconds=%.1f "
                            "handled_without_it=%d written_back=%d",
                            seconds,
                            count,
                            replayed,
                        )
                        self._down = False
                        self._probe_pid = None
                        metrics.DEDUPE_DEGRADED.labels(fallback="host_file").set(0)
                        metrics.DEDUPE_DEGRADED.labels(fallback="memory").set(0)
                        break
                replayed += self._replay(client, keys)
            return

    def _replay(self, client: Any, keys: list[str]) -> int:
        """Tell Redis about the events handled without it, so other replicas see them too."""
        if not keys:
            return 0
        try:
            pipe = client.pipeline(transaction=False)
            for key in keys:
                pipe.set(self._prefix + key, b"1", nx=True, ex=self._ttl)
            pipe.execute()
        except Exception as err:  # noqa: BLE001 - best effort: the local record still has them
            log.warning("dedupe_store_write_back_failed store=redis error=%s", type(err).__name__)
            return 0
        return len(keys)
