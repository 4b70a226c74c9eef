"""Which record of handled events this deployment uses: Redis, a file on the host, or memory.

- ``REDIS_URL``: shared by every worker of every replica (``redis_record``).
- ``DEDUPE_DB``: a SQLite file shared by every process on this host (``host_record``);
  ``gunicorn.conf.py`` sets it for its workers when ``REDIS_URL`` is empty.
- neither: this process's own record, authoritative when the bot is one process.
"""

from __future__ import annotations

from bot.delivery.seen_events import MemorySeenEvents, SeenEvents


def seen_events_for(redis_url: str, ttl_seconds: int, dedupe_db: str = "") -> SeenEvents:
    """The most widely shared record the settings name; see the module docstring."""
    if redis_url:
        from bot.delivery.redis_record import RedisSeenEvents

        return RedisSeenEvents(redis_url, ttl_seconds)
    if dedupe_db:
        from bot.delivery.host_record import HostSeenEvents

        return HostSeenEvents(dedupe_db, ttl_seconds)
    return MemorySeenEvents(ttl_seconds=ttl_seconds)
