"""``/sentiment digest ...``: the digest subcommands, answered through the command's
response_url like the rest (``bot.listeners.commands`` dispatches here).

``digest weekly`` / ``digest off`` subscribe or unsubscribe the channel (a visible notice in the
channel says who did it, so a digest never appears unexplained); ``digest time DAY HH:MM`` sets
the workspace's send time; ``digest`` alone says what is set.

``digest weekly`` in a channel the bot is not in (``conversations.info`` says ``is_member:
false``, or Slack answers ``not_in_channel``/``channel_not_found``) is refused with the fix: the
digest could never be posted, and the runner would fail on it every week.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from slack_sdk import WebClient

from bot.deps import Deps, Outcome
from bot.digests import store
from bot.digests.command import DigestRequest
from bot.mood.replies import Message, plain_message
from bot.mood.workspace import Workspace
from bot.slack import web_api as slack_api

log = logging.getLogger("bot.digest")

# conversations.info's answers that mean the bot cannot post in the channel.
_NOT_IN_CHANNEL = frozenset({"not_in_channel", "channel_not_found"})


def _bot_not_in_channel(client: WebClient, channel: str, request_id: str | None) -> bool:
    """True when Slack says the bot is not a member; False when it is or Slack would not say."""
    ok, response = slack_api.call(
        "conversations.info",
        lambda: client.conversations_info(channel=channel),
        event_id=request_id,
    )
    if not ok:
        return response in _NOT_IN_CHANNEL
    return (response.get("channel") or {}).get("is_member") is False


def digest_reply(
    request: DigestRequest, body: Mapping[str, Any], client: WebClient, deps: Deps, outcome: Outcome
) -> tuple[Message, str]:
    """The reply (and response_type) for one digest subcommand."""
    settings, mood = deps.settings, deps.mood
    cmd = settings.sentiment_command
    workspace = Workspace.of(body)
    channel = str(body.get("channel_id") or "")
    user = str(body.get("user_id") or "")
    if request.error:
        outcome.set("replied", "digest_usage")
        return plain_message(
            f"{request.error if request.error != 'usage' else ''} Try `{cmd} digest weekly`, "
            f"`{cmd} digest off`, `{cmd} digest time mon 09:00` or `{cmd} mood backfill`."
        ), "ephemeral"
    if mood is None or not settings.mood_tracking:
        outcome.set("replied", "mood_tracking_off")
        return plain_message(
            "The team mood record is turned off here (MOOD_TRACKING=off)."
        ), "ephemeral"
    in_channel = channel[:1] in {"C", "G"}
    try:
        if request.action == "digest_time" and request.send_at is not None:
            store.set_send_at(mood.engine, workspace, request.send_at)
            outcome.set("replied", "digest_time")
            return plain_message(
                f"Weekly digests in this workspace now go out {request.send_at} "
                f"({settings.mood_timezone})."
            ), "ephemeral"
        send_at = store.send_at_for(mood.engine, workspace, settings.digest_send_at)
        if request.action in {"digest_on", "digest_off"} and not in_channel:
            return plain_message("Use this in the channel that should get the digest."), "ephemeral"
        if request.action == "digest_on":
            if _bot_not_in_channel(client, channel, body.get("trigger_id")):
                outcome.set("replied", "digest_bot_not_in_channel")
                return plain_message(
                    "I'm not in this channel, so I couldn't post its digest: invite me with "
                    f"`/invite @sentiment` first, then run `{cmd} digest weekly` again."
                ), "ephemeral"
            store.subscribe(mood.engine, workspace, channel, datetime.now(UTC))
            outcome.set("replied", "digest_on")
            return plain_message(
                f"<@{user}> subscribed this channel to a weekly mood digest, every {send_at} "
                f"({settings.mood_timezone}): counts only, nobody singled out. I'll also post "
                f"once if the mood clearly drops. `{cmd} digest off` stops both."
            ), "in_channel"
        if request.action == "digest_off":
            store.unsubscribe(mood.engine, workspace, channel)
            outcome.set("replied", "digest_off")
            return plain_message(
                f"<@{user}> stopped this channel's weekly mood digest."
            ), "in_channel"
        subscribed = in_channel and store.is_subscribed(mood.engine, workspace, channel)
        outcome.set("replied", "digest_status")
        return plain_message(
            f"This channel {'gets' if subscribed else 'does not get'} the weekly digest. "
            f"Digests go out {send_at} ({settings.mood_timezone})."
        ), "ephemeral"
    except Exception as err:  # noqa: BLE001 - the database is down: say so
        log.warning("digest_command_failed action=%s error=%s", request.action, type(err).__name__)
        outcome.set("replied", "digest_database")
        return plain_message(
            "I can't reach my database right now; please try again later."
        ), "ephemeral"
