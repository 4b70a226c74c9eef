"""Each workspace's authorization, kept briefly per process (multi-workspace mode).

Bolt's ``InstallationStoreAuthorize`` runs before every ack: it reads the workspace's bot from
the database, decrypts its token and asks Slack's ``auth.test`` whom that token belongs to.
At 1,000 events/s that was most of the ack's time (docs/serving.md). ``CachedAuthorize``
keeps the result (the ``AuthorizeResult``: token, bot ids, scopes) per workspace, within bounds:

- **time**: an entry answers for at most ``AUTH_CACHE_SECONDS`` (default 5) after it was last
  checked, each for a random half to all of it, so that workspaces first seen together are not
  all read again in the same instant (at 1,000 events/s over 100 workspaces those reads came
  as one burst every 5 s, and the acks behind it waited). Then the installation is read again:
  the same token, not expiring, keeps the entry (no call to Slack); a new token, a token due
  for refresh or no installation runs Bolt's whole path.
- **size**: at most ``AUTH_CACHE_SIZE`` workspaces; the least recently used goes first.
- **one lookup at a time per workspace**: a burst of one workspace's events (acked before
  their dispatch, dispatched side by side) that finds no fresh entry makes one lookup; the
  others wait for it and take its answer (``bot.install.oauth.CachedAuthorize``).
- **this process's changes**: the installation store tells the cache of every committed write
  or delete (install, token refresh, uninstall, revoked tokens) and the workspace's entries go
  at once; a lookup under way at that moment does not keep what it read.
- **another process's changes** (an ``app_uninstalled`` handled by another gunicorn worker or
  replica): seen here within ``AUTH_CACHE_SECONDS``. Until then an event of that workspace may
  still be authorized with its old token (Slack refuses a revoked one); whatever it counts is
  left out of this process's next mood flush (no installation any more), and the uninstall's
  second sweep, which waits that long too, is the backstop (``bot.listeners.uninstall``).

A workspace with no installation is never cached: a new install is served at once everywhere.
``AUTH_CACHE_SECONDS=0`` turns the cache off (every event reads the database and calls
``auth.test``, as Bolt does).
"""

from __future__ import annotations

import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from slack_bolt.authorization.authorize_result import AuthorizeResult

# enterprise_id ("" when none), team_id ("" when none), is_enterprise_install
Key = tuple[str, str, bool]


class AuthorizationCache:
    """A bounded LRU of ``AuthorizeResult`` by workspace, each checked within ``ttl_seconds``."""

    def __init__(
        self,
        ttl_seconds: float,
        max_entries: int,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max(1, max_entries)
        self._clock = clock
        # key -> (fresh until, on ``clock``; the result)
        self._entries: OrderedDict[Key, tuple[float, AuthorizeResult]] = OrderedDict()
        self._lock = threading.Lock()
        self._generation = 0  # moves on every change: a lookup begun before it keeps nothing

    @property
    def enabled(self) -> bool:
        return self.ttl_seconds > 0

    def generation(self) -> int:
        """Take before reading the database; give to ``keep`` with what was read."""
        with self._lock:
            return self._generation

    def get(self, key: Key) -> tuple[AuthorizeResult | None, bool]:
        """The entry for ``key`` (or None), and whether it is still fresh (see ``keep``)."""
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None, False
            self._entries.move_to_end(key)
            fresh_until, result = found
            return result, self._clock() < fresh_until

    def keep(self, key: Key, result: AuthorizeResult, generation: int) -> None:
        """Keep ``result`` as checked now, fresh for a random 50-100% of the TTL, unless the
        store changed since ``generation``."""
        lifetime = self.ttl_seconds * random.uniform(0.5, 1.0)
        with self._lock:
            if generation != self._generation:
                return
            self._entries[key] = (self._clock() + lifetime, result)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def forget(self, enterprise_id: str | None, team_id: str | None) -> None:
        """Drop every entry of this workspace, or of the whole org (an org-wide install)."""
        with self._lock:
            self._generation += 1
            if not enterprise_id and not team_id:
                self._entries.clear()
                return
            for key in [
                key
                for key in self._entries
                if (team_id and key[1] == team_id) or (enterprise_id and key[0] == enterprise_id)
            ]:
                del self._entries[key]
