"""Which Slack message events a person wrote and the bot may answer: pure checks, no SDK.

Slack sends many ``message`` events that are housekeeping (edits, deletions, joins, topic
changes) or come from bots, including this one. Answering those would loop or spam, so every
surface asks ``ignore_reason`` first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Subtypes that carry a person's new words. Everything else (message_changed, message_deleted,
# channel_join, channel_leave, channel_topic, bot_message, ...) is housekeeping.
ANALYSED_SUBTYPES = frozenset({None, "file_share", "thread_broadcast", "me_message"})

_CHANNEL_TYPES_BY_PREFIX = {"C": "channel", "G": "group", "D": "im"}


def ignore_reason(event: Mapping[str, Any], bot_user_id: str | None) -> str | None:
    """Why the bot must not answer this event, or None when a person wrote it."""
    if event.get("bot_id") or event.get("bot_profile"):
        return "bot"
    if event.get("subtype") not in ANALYSED_SUBTYPES:
        return "subtype"
    if event.get("hidden"):
        return "hidden"
    user = event.get("user")
    if not user:
        return "no_user"
    if bot_user_id and user == bot_user_id:
        return "self"
    return None


def channel_type(event: Mapping[str, Any]) -> str:
    """``channel``, ``group``, ``im`` or ``mpim``; guessed from the channel id if missing."""
    declared = event.get("channel_type")
    if declared:
        return str(declared)
    return _CHANNEL_TYPES_BY_PREFIX.get(str(event.get("channel") or "")[:1], "unknown")


def is_thread_reply(event: Mapping[str, Any]) -> bool:
    """A reply inside a thread (not the thread's parent message)."""
    thread_ts = event.get("thread_ts")
    return bool(thread_ts) and thread_ts != event.get("ts")
