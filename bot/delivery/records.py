"""Which record of handled events this deployment uses: Redis over the host file, or the file.

- ``DEDUPE_DB`` (default ``data/handled-events.sqlite3``): a SQLite file shared by every process
  on this host that names the same path, kept across restarts (``host_record``).
- ``REDIS_URL``: shared by every worker of every replica (``redis_record``); the host file is
  asked first and decides alone while Redis is down, so an outage duplicates nothing on one host.
- an empty ``DEDUPE_DB`` (tests, the console): this process's own record.
"""

from __future__ import annotations

from bot.delivery.seen_events import MemorySeenEvents, SeenEvents


def seen_events_for(
    redis_url: str, ttl_seconds: int, dedupe_db: str = "", *, redis_down: bool = False
) -> SeenEvents:
    """The most widely shared record the settings name; see the module docstring.

    ``redis_down``: the startup check could not reach Redis, so the record starts degraded."""
    local: SeenEvents | None = None
    if dedupe_db:
        from bot.delivery.host_record import HostSeenEvents

        local = HostSeenEvents(dedupe_db, ttl_seconds)
    if redis_url:
        from bot.delivery.redis_record import RedisSeenEvents

        return RedisSeenEvents(redis_url, ttl_seconds, fallback=local, down_at_start=redis_down)
    return local or MemorySeenEvents(ttl_seconds=ttl_seconds)


def degraded(seen: SeenEvents) -> str | None:
    """``dedupe=...`` naming the narrower record deciding now (for ``/readyz``), or None."""
    fallback = getattr(seen, "degraded", None)
    return f"dedupe={fallback}" if fallback else None
