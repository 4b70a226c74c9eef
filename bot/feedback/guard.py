"""Replies already rated in this process: a double click counts once.

Keys are the reply's container (a view id, a channel and message ts, or a response_url), kept
only as salted hashes in memory, bounded, never written anywhere; no user id is involved. The
buttons are replaced after the first press, so this only has to cover the seconds until then;
processes do not share it (see docs/bot.md, "Feedback").
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict

MAX_REMEMBERED = 10_000


class RatedReplies:
    """A bounded, thread-safe set of hashed reply keys, oldest forgotten first."""

    def __init__(self, limit: int = MAX_REMEMBERED) -> None:
        self._limit = limit
        self._salt = os.urandom(16)
        self._seen: OrderedDict[bytes, None] = OrderedDict()
        self._lock = threading.Lock()

    def _digest(self, key: str) -> bytes:
        return hashlib.blake2b(key.encode(), key=self._salt, digest_size=16).digest()

    def first(self, key: str) -> bool:
        """True the first time ``key`` is seen (and remember it), False after."""
        digest = self._digest(key)
        with self._lock:
            if digest in self._seen:
                return False
            self._seen[digest] = None
            while len(self._seen) > self._limit:
                self._seen.popitem(last=False)
            return True

    def forget(self, key: str) -> None:
        """Let ``key`` be rated again (its rating could not be stored)."""
        with self._lock:
            self._seen.pop(self._digest(key), None)

    def __len__(self) -> int:
        return len(self._seen)
