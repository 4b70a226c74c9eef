"""Which record of handled events this deployment uses: Redis when configured, else in process."""

from __future__ import annotations

from bot.delivery.seen_events import MemorySeenEvents, SeenEvents


def seen_events_for(redis_url: str, ttl_seconds: int) -> SeenEvents:
    """The shared Redis record when ``redis_url`` is set, else this process's own record."""
    if not redis_url:
        return MemorySeenEvents(ttl_seconds=ttl_seconds)
    from bot.delivery.redis_record import RedisSeenEvents

    return RedisSeenEvents(redis_url, ttl_seconds)
