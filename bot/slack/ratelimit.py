"""A per-workspace budget for ``reactions.add``, so a busy workspace never queues reactions.

``reactions.add`` is Tier 3 in Slack's Web API (about 50 calls a minute per workspace). A
workspace that sends more channel messages than that would have its reactions answered with
``ratelimited`` and Retry-After waits that hold listener threads; instead each workspace has a
token bucket (``REACTIONS_PER_MINUTE``, ``REACTION_BURST``) and a message past it gets no
reaction. The message is still predicted and counted for the mood: only the emoji is skipped.
Skips are counted in ``/metrics`` and logged once a minute per workspace
(``reactions_skipped_budget team=T count=N``), never once per message.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from bot import metrics

log = logging.getLogger("bot.events")

SUMMARY_SECONDS = 60.0
_MAX_IDLE_BUCKETS = 10_000  # forget full buckets past this many workspaces


def workspace_key(team_id: str, enterprise_id: str = "") -> str:
    """One string per workspace for budgets, queues and log lines: ``T1``, or ``E1/T1``."""
    return f"{enterprise_id}/{team_id}" if enterprise_id else team_id


class ReactionBudget:
    """Token buckets keyed by workspace: ``take`` says whether a reaction may be posted now."""

    def __init__(
        self,
        per_minute: int,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(max(1, burst))
        self.clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # workspace -> (tokens, at)
        self._skipped: dict[str, int] = {}
        self._summarized = clock()

    def take(self, workspace: str) -> bool:
        """Spend one reaction of ``workspace``'s budget; False (counted) when it is spent."""
        now = self.clock()
        with self._lock:
            tokens, at = self._buckets.get(workspace, (self.burst, now))
            tokens = min(self.burst, tokens + (now - at) * self.rate)
            allowed = tokens >= 1.0
            self._buckets[workspace] = (tokens - 1.0 if allowed else tokens, now)
            if not allowed:
                self._skipped[workspace] = self._skipped.get(workspace, 0) + 1
            if len(self._buckets) > _MAX_IDLE_BUCKETS:
                self._forget_full(now)
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
                round(self.rate * 60),
            )
