"""A per-workspace budget for ``reactions.add``, so a busy workspace never queues reactions.

``reactions.add`` is Tier 3 in Slack's Web API (about 50 calls a minute per workspace). A
workspace that sends more channel messages than that would have its reactions answered with
``ratelimited`` and Retry-After waits that hold listener threads; instead each workspace has a
token bucket (``REACTIONS_PER_MINUTE``, ``REACTION_BURST``) and a message past it gets no
reaction. The message is still predicted and counted for the mood: only the emoji is skipped.
Skips are counted in ``/metrics`` and logged once a minute per workspace
(``reactions_skipped_budget team=T count=N``), never once per message.

Slack's limit is per workspace, not per process. Several processes serving the same
workspaces keep one budget between them: with ``REDIS_URL``, one bucket per workspace in Redis
(``RedisBuckets``: every worker of every replica spends from it); without it, each of the
processes a server forks gets an equal part (``ReactionBudget.share``: gunicorn's ``post_fork``
hook), so together they stay within the limit. While Redis is down a process falls back to its
own part, as if Redis were not configured.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from bot import metrics

log = logging.getLogger("bot.events")

SUMMARY_SECONDS = 60.0
_MAX_IDLE_BUCKETS = 10_000  # forget full buckets past this many workspaces


def workspace_key(team_id: str, enterprise_id: str = "") -> str:
    """One string per workspace for budgets, queues and log lines: ``T1``, or ``E1/T1``."""
    return f"{enterprise_id}/{team_id}" if enterprise_id else team_id


class SharedBuckets(Protocol):
    """A budget store every process shares; ``None`` means it cannot answer now."""

    def take(self, workspace: str, per_second: float, burst: float) -> bool | None: ...


class ReactionBudget:
    """Token buckets keyed by workspace: ``take`` says whether a reaction may be posted now."""

    def __init__(
        self,
        per_minute: int,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        shared: SharedBuckets | None = None,
    ) -> None:
        self.per_minute = per_minute
        self.whole_burst = float(max(1, burst))
        self.rate = per_minute / 60.0
        self.burst = self.whole_burst
        self.clock = clock
        self.shared = shared
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # workspace -> (tokens, at)
        self._skipped: dict[str, int] = {}
        self._summarized = clock()

    def share(self, processes: int) -> None:
        """This process is one of ``processes`` spending the same workspaces' budget: its own
        buckets (used when nothing is shared, or while the shared store is down) get an equal
        part of the rate and the burst (at least one reaction)."""
        parts = max(1, processes)
        with self._lock:
            self.rate = self.per_minute / 60.0 / parts
            self.burst = max(1.0, self.whole_burst / parts)
            self._buckets.clear()

    def take(self, workspace: str) -> bool:
        """Spend one reaction of ``workspace``'s budget; False (counted) when it is spent."""
        allowed = None
        if self.shared is not None:
            allowed = self.shared.take(workspace, self.per_minute / 60.0, self.whole_burst)
        now = self.clock()
        with self._lock:
            if allowed is None:
                tokens, at = self._buckets.get(workspace, (self.burst, now))
                tokens = min(self.burst, tokens + (now - at) * self.rate)
                allowed = tokens >= 1.0
                self._buckets[workspace] = (tokens - 1.0 if allowed else tokens, now)
                if len(self._buckets) > _MAX_IDLE_BUCKETS:
                    self._forget_full(now)
            if not allowed:
                self._skipped[workspace] = self._skipped.get(workspace, 0) + 1
        if not allowed:
            metrics.REACTIONS_SKIPPED.inc()
        self.summarize()
        return allowed

    def _forget_full(self, now: float) -> None:
        full = [
            key
            for key, (tokens, at) in self._buckets.items()
            if tokens + (now - at) * self.rate >= self.burst
        ]
        for key in full:
            del self._buckets[key]

    def summarize(self, force: bool = False) -> None:
        """Log one ``reactions_skipped_budget`` line per workspace that skipped, once a minute."""
        now = self.clock()
        with self._lock:
            if not self._skipped or (not force and now - self._summarized < SUMMARY_SECONDS):
                return
            skipped, self._skipped, self._summarized = self._skipped, {}, now
        for team, count in sorted(skipped.items()):
            log.warning(
                "reactions_skipped_budget team=%s count=%d per_minute=%d",
                team or "none",
                count,
                self.per_minute,
            )


# One bucket per workspace in Redis, refilled and spent in one atomic step on Redis's clock
# (every process sees the same time): a hash {tokens, at} that expires once it would be full.
_TAKE_LUA = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 60)
return allowed
"""
BUDGET_KEY_PREFIX = "sentiment-bot:reactions:"
RETRY_SECONDS = 5.0  # after a Redis error, this process uses its own part this long


class RedisBuckets:
    """``SharedBuckets`` in Redis: one budget per workspace for every worker of every replica.

    ``client`` makes a redis-py client (built on first use, so nothing connects at import or
    in gunicorn's master before it forks). A Redis error answers ``None`` for ``RETRY_SECONDS``
    (the caller uses its own part meanwhile); the outage and the recovery are logged once each,
    with the error's type only (redis-py messages can quote the URL, password included).
    """

    def __init__(
        self, client: Callable[[], Any], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._make_client = client
        self._client: Any = None
        self._script: Any = None
        self._clock = clock
        self._lock = threading.Lock()
        self._down_since: float | None = None
        self._retry_at = 0.0

    def take(self, workspace: str, per_second: float, burst: float) -> bool | None:
        if self._down_since is not None and self._clock() < self._retry_at:
            return None
        try:
            with self._lock:
                if self._script is None:
                    self._client = self._make_client()
                    self._script = self._client.register_script(_TAKE_LUA)
                script = self._script
            allowed = script(keys=[BUDGET_KEY_PREFIX + workspace], args=[per_second, burst])
        except Exception as err:  # noqa: BLE001 - refused, timeout, auth, script error
            now = self._clock()
            if self._down_since is None:
                self._down_since = now
                log.warning(
                    "reaction_budget_store_unavailable store=redis error=%s "
                    "fallback=per_process retry_every=%.0fs",
                    type(err).__name__,
                    RETRY_SECONDS,
                )
            self._retry_at = now + RETRY_SECONDS
            return None
        if self._down_since is not None:
            log.warning(
                "reaction_budget_store_recovered store=redis down_seconds=%.1f",
                self._clock() - self._down_since,
            )
            self._down_since = None
        return bool(allowed)
