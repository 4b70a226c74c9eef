"""Telling every channel that gets the digest about a workspace-wide change.

A workspace-wide change (the digest send time, the minimum group size) shows first in the
digests, so the channels that get one are told where they will see it. Used by the digest and
mood slash-command answers (``bot.listeners.digests``, ``bot.listeners.mood``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.digests import store
from bot.mood.replies import Message
from bot.mood.workspace import Workspace
from bot.slack import web_api as slack_api

if TYPE_CHECKING:
    from slack_sdk import WebClient
    from sqlalchemy.engine import Engine


def announce_in_digest_channels(
    client: WebClient,
    engine: Engine,
    workspace: Workspace,
    message: Message,
    *,
    skip: str,
    request_id: str | None,
) -> int:
    """Post ``message`` in every channel of ``workspace`` that gets the digest (but ``skip``).

    Returns how many were told. A channel the bot was removed from is skipped (the runner will
    mark its digest failed anyway).
    """
    told = 0
    for subscription in store.subscriptions(engine):
        if subscription.workspace != workspace or subscription.channel_id == skip:
            continue
        ok, _ = slack_api.call(
            "chat.postMessage",
            lambda c=subscription.channel_id: client.chat_postMessage(
                channel=c, text=message["text"], blocks=message.get("blocks")
            ),
            event_id=request_id,
        )
        told += bool(ok)
    return told
