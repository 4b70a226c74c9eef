"""The record of handled Slack events in Redis, shared by every replica behind a load balancer.

Slack redelivers an event when it did not see the ack in time, and behind a load balancer the
redelivery can land on any replica: only a shared record can tell that another replica already
handled it. One atomic command per delivery, ``SET <prefix><event_id> 1 NX EX <ttl>``, both
records the event and says whether it was new, so two replicas racing on the same event cannot
both win.

A Redis outage never stops the bot. Every process also keeps its in-process record; while Redis
is unreachable (or answers with an error) the process logs it once, decides from that local
record alone and tries Redis again after ``retry_after`` seconds, so an outage costs each ack at
most one short timeout. The price during an outage: a redelivery that lands on a *different*
replica may be answered twice. Nothing is ever dropped because Redis is down.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from bot.delivery.seen_events import MemorySeenEvents

log = logging.getLogger("bot.delivery.seen_events")

KEY_PREFIX = "sentiment-bot:event:"
TIMEOUT_SECONDS = 0.5  # connect and command timeout: an ack must not wait on a sick Redis
RETRY_AFTER_SECONDS = 5.0  # after a failure, skip Redis this long before trying again


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
        retry_after: float = RETRY_AFTER_SECONDS,
        client: Any = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = url
        self._ttl = max(1, int(ttl_seconds))
        self._prefix = prefix
        self._retry_after = retry_after
        self._client = client
        self._clock = clock
        self._local = MemorySeenEvents(ttl_seconds=float(self._ttl))
        self._lock = threading.Lock()
        self._down_until = 0.0
        self._down = False

    def first_time(self, key: str) -> bool:
        """True when neither Redis nor this process has seen ``key``; never raises."""
        # This process's own record first: a thread of this process already claimed the key
        # (or handled it during an outage, which Redis never heard of), so it is not new. Only
        # the claiming thread asks Redis, which then decides across replicas.
        if not self._local.first_time(key):
            return False
        if self._clock() < self._down_until:
            return True
        try:
            stored = self._redis().set(self._prefix + key, b"1", nx=True, ex=self._ttl)
        except Exception as err:  # noqa: BLE001 - any Redis failure means: decide locally
            self._went_down(err)
            return True
        if self._down:
            self._came_back()
        return bool(stored)

    def close(self) -> None:
        """Close the client's connections (the record itself lives on in Redis)."""
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    def _redis(self) -> Any:
        client = self._client
        if client is None:
            with self._lock:
                if self._client is None:
                    self._client = make_redis_client(self._url)
                client = self._client
        return client

    def _went_down(self, err: Exception) -> None:
        with self._lock:
            self._down_until = self._clock() + self._retry_after
            first = not self._down
            self._down = True
        if first:
            # The error type only: redis-py messages can contain the URL, password included.
            log.warning(
                "dedupe_store_unavailable store=redis error=%s fallback=in_process retry_in=%.0fs",
                type(err).__name__,
                self._retry_after,
            )

    def _came_back(self) -> None:
        with self._lock:
            was_down, self._down = self._down, False
        if was_down:
            log.info("dedupe_store_recovered store=redis")
