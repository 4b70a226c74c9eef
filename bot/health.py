"""Readiness: can this process do its job right now? (``GET /readyz``; ``/healthz`` is liveness.)

Liveness only says the process answers HTTP. Readiness says whether sending it Slack's events
makes sense: not when Slack refuses the bot's token (``invalid_auth`` and friends: every
reaction and reply would fail) and not when the listener pool is saturated (events are acked
but their answers queue behind slow work). A load balancer or orchestrator that sees 503 sends
traffic to another replica, or none, until the cause clears.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from bot.listener_pool import ListenerPool

# Slack error codes that mean the token itself is unusable, so every call will fail alike.
AUTH_ERRORS = frozenset(
    {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"}
)
# Queued (not yet started) listener jobs per listener thread before the pool counts as saturated.
QUEUE_PER_THREAD = 4


class Readiness:
    """What ``/readyz`` reports: recent Slack auth failures and listener pool saturation.

    Listeners report each Slack call's outcome with ``slack_result``; one successful call clears
    an auth failure (the token was fixed or the failure was a blip).
    """

    def __init__(self, pool: ListenerPool, queue_per_thread: int = QUEUE_PER_THREAD) -> None:
        self.pool = pool
        self.queue_limit = max(1, pool.max_workers * queue_per_thread)
        self._lock = threading.Lock()
        self._auth_error: str | None = None
        self._watched: list[Callable[[], list[str]]] = []

    def watch(self, degraded: Callable[[], list[str]]) -> None:
        """Add a source of ``degraded`` words: states the bot works through but an operator
        must see (the database retrying, duplicates decided without Redis)."""
        self._watched.append(degraded)

    def degraded(self) -> list[str]:
        """What works in a narrower way than configured right now; ``/readyz`` still says 200.

        Not a reason to take traffic away: every replica shares the database and Redis, so
        sending events elsewhere would not help, and the bot keeps answering meanwhile.
        """
        found: list[str] = []
        for source in self._watched:
            found += source()
        return found

    def slack_result(self, error: str | None) -> None:
        """Record one Slack call: ``None`` when it worked, else its error code."""
        with self._lock:
            if error is None:
                self._auth_error = None
            elif error in AUTH_ERRORS:
                self._auth_error = error

    def problems(self) -> list[str]:
        """Why the bot cannot do its job now (empty when ready), as short ``key=value`` words."""
        found = []
        with self._lock:
            if self._auth_error:
                found.append(f"slack_auth={self._auth_error}")
        queued = self.pool.queued()
        if queued >= self.queue_limit:
            found.append(f"listeners_saturated=queued:{queued}")
        return found
