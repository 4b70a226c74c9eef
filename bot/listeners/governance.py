"""Who may make a workspace-wide change, and telling the channels where its effect shows.

Shared by the mood, digest and backfill answers (``bot.listeners.mood``, ``.digests``,
``.backfill``): a workspace-wide change (digest send time, minimum group size, backfill,
turning tracking back on) needs a workspace admin or owner or a member of
``MOOD_ADMIN_GROUP`` (``bot.slack.permissions``); the refusal is one sentence that says who can.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_sdk import WebClient

from bot.deps import Deps, Outcome
from bot.mood import replies as mood_replies
from bot.mood.replies import Message
from bot.mood.workspace import Workspace
from bot.slack import web_api as slack_api
from bot.slack.permissions import AdminCheck


def admin_refusal(
    admins: AdminCheck,
    client: WebClient,
    body: Mapping[str, Any],
    what: str,
    deps: Deps,
    outcome: Outcome,
) -> Message | None:
    """None when the asker may make a workspace-wide change, else the one-sentence refusal."""
    workspace = Workspace.of(body)
    user = str(body.get("user_id") or "")
    allowed = admins.may_change(client, workspace.team_id, user, body.get("trigger_id"))
    if allowed:
        return None
    outcome.set("replied", "refused" if allowed is False else "refused_unverified")
    if allowed is None:
        return mood_replies.admin_unknown()
    return mood_replies.refused(what, deps.settings)


def announce_in_digest_channels(
    client: WebClient,
    deps: Deps,
    workspace: Workspace,
    message: Message,
    *,
    skip: str,
    body: Mapping[str, Any],
) -> int:
    """Post ``message`` in every channel of ``workspace`` that gets the digest (but ``skip``).

    A workspace-wide change (the send time, the minimum group size) shows first in the
    digests, so those channels are told; returns how many were. A channel the bot was removed
    from is skipped (the runner will mark its digest failed anyway).
    """
    from bot.digests import store  # SQLAlchemy: on the first such change, not at start

    assert deps.mood is not None
    told = 0
    for subscription in store.subscriptions(deps.mood.engine):
        if subscription.workspace != workspace or subscription.channel_id == skip:
            continue
        ok, _ = slack_api.call(
            "chat.postMessage",
            lambda c=subscription.channel_id: client.chat_postMessage(
                channel=c, text=message["text"], blocks=message.get("blocks")
            ),
            event_id=body.get("trigger_id"),
        )
        told += bool(ok)
    return told
