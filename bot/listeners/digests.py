"""``/sentiment digest ...``: the digest subcommands, answered through the command's
response_url like the rest: its own listener (``register``) takes what
``bot.digests.command`` claims, acks at once and answers on the listener pool.

``digest weekly`` / ``digest off`` subscribe or unsubscribe the channel: anyone in it may (a
digest shows the channel only what ``/sentiment mood`` already shows its members), and a
visible notice in the channel says who did it and when the first digest comes, so a digest
never appears unexplained. ``digest time DAY HH:MM`` moves every channel's digest, so it needs
a workspace admin or owner (or ``MOOD_ADMIN_GROUP``) and is announced in every channel that
gets a digest. ``digest`` alone says what is set. A command that changes nothing says so to
the asker and announces nothing.

``digest weekly`` in a channel the bot is not in (``conversations.info`` says ``is_member:
false``, or Slack answers ``not_in_channel``/``channel_not_found``) is refused with the fix: the
digest could never be posted, and the runner would fail on it every week.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.deps import Deps, Outcome, register_subcommand
from bot.digests.command import DigestRequest, parse_digest_request
from bot.digests.schedule import next_send
from bot.mood import replies as mood_replies
from bot.mood.replies import Message, admin_refusal, plain_message
from bot.mood.workspace import Workspace
from bot.schedule_time import SendAt
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


def _usage(error: str, cmd: str) -> str:
    if error == "weekly_only":
        return f"Digests are weekly only: `{cmd} digest weekly` subscribes this channel."
    if error == "send time missing":
        return f"Say when, e.g. `{cmd} digest time mon 09:00` (a weekday and a 24-hour time)."
    return f"The {error}; e.g. `{cmd} digest time fri 16:30`."


def digest_reply(
    request: DigestRequest,
    body: Mapping[str, Any],
    client: WebClient,
    deps: Deps,
    outcome: Outcome,
) -> tuple[Message, str]:
    """The reply (and response_type) for one digest subcommand."""
    from bot.digests import store  # SQLAlchemy: on the first digest command, not at start

    settings, mood = deps.settings, deps.mood
    cmd = settings.sentiment_command
    workspace = Workspace.of(body)
    channel = str(body.get("channel_id") or "")
    user = str(body.get("user_id") or "")
    if request.error:
        outcome.set("replied", "digest_usage")
        return plain_message(_usage(request.error, cmd)), "ephemeral"
    if mood is None or not settings.mood_tracking:
        outcome.set("replied", "mood_tracking_off")
        return mood_replies.tracking_off_everywhere(settings), "ephemeral"
    in_channel = channel[:1] in {"C", "G"}
    tz = settings.mood_timezone
    try:
        send_at = store.send_at_for(mood.engine, workspace, settings.digest_send_at)
        if request.action == "digest_time" and request.send_at is not None:
            return _set_time(request.send_at, send_at, body, client, deps, outcome)
        if request.action in {"digest_on", "digest_off"} and not in_channel:
            return plain_message("Use this in the channel that should get the digest."), "ephemeral"
        if request.action == "digest_on":
            if _bot_not_in_channel(client, channel, body.get("trigger_id")):
                outcome.set("replied", "digest_bot_not_in_channel")
                return plain_message(
                    "I'm not in this channel, so I couldn't post its digest: invite me with "
                    f"`/invite @sentiment` first, then run `{cmd} digest weekly` again."
                ), "ephemeral"
            now = datetime.now(UTC)
            if not store.subscribe(mood.engine, workspace, channel, now):
                outcome.set("replied", "digest_on_unchanged")
                return plain_message(
                    f"This channel already gets the weekly digest ({send_at}, {tz}), so nothing "
                    f"changed. `{cmd} digest off` stops it."
                ), "ephemeral"
            first = next_send(now, send_at, tz)
            outcome.set("replied", "digest_on")
            return plain_message(
                f"<@{user}> subscribed this channel to a weekly mood digest, every {send_at} "
                f"({tz}); the first comes {first:%A, %b %-d}: counts only, nobody singled out. "
                f"I'll also post once if the mood clearly drops. `{cmd} digest off` stops both."
            ), "in_channel"
        if request.action == "digest_off":
            if not store.unsubscribe(mood.engine, workspace, channel):
                outcome.set("replied", "digest_off_unchanged")
                return plain_message(
                    "This channel doesn't get the weekly digest, so nothing changed."
                ), "ephemeral"
            outcome.set("replied", "digest_off")
            return plain_message(
                f"<@{user}> stopped this channel's weekly mood digest."
            ), "in_channel"
        subscribed = in_channel and store.is_subscribed(mood.engine, workspace, channel)
        outcome.set("replied", "digest_status")
        return plain_message(
            f"This channel {'gets' if subscribed else 'does not get'} the weekly digest. "
            f"Digests go out {send_at} ({tz})."
        ), "ephemeral"
    except Exception as err:  # noqa: BLE001 - the database is down: say so
        log.warning("digest_command_failed action=%s error=%s", request.action, type(err).__name__)
        outcome.set("replied", "digest_database")
        return mood_replies.error("database", settings), "ephemeral"


def _set_time(
    send_at: SendAt,
    current: SendAt,
    body: Mapping[str, Any],
    client: WebClient,
    deps: Deps,
    outcome: Outcome,
) -> tuple[Message, str]:
    """``digest time DAY HH:MM``: admins only; announced in every channel with a digest."""
    from bot.digests import store
    from bot.digests.announce import announce_in_digest_channels

    settings, mood = deps.settings, deps.mood
    assert mood is not None
    tz = settings.mood_timezone
    if send_at == current:
        outcome.set("replied", "digest_time_unchanged")
        return plain_message(
            f"Digests already go out {send_at} ({tz}), so nothing changed."
        ), "ephemeral"
    if refusal := admin_refusal(deps.admins, client, body, "change when digests go out", settings):
        outcome.set("replied", refusal.detail)
        return refusal.message, "ephemeral"
    workspace = Workspace.of(body)
    store.set_send_at(mood.engine, workspace, send_at)
    outcome.set("replied", "digest_time")
    user = str(body.get("user_id") or "")
    notice = plain_message(
        f"<@{user}> moved this workspace's weekly mood digest from {current} to {send_at} "
        f"({tz}); the next one comes {next_send(datetime.now(UTC), send_at, tz):%A, %b %-d}."
    )
    told = announce_in_digest_channels(
        client, mood.engine, workspace, notice, skip="", request_id=body.get("trigger_id")
    )
    where = (
        f"I told the {told} channel{'s' if told != 1 else ''} that get it."
        if told
        else "No channel gets the digest yet, so there was nobody to tell."
    )
    return plain_message(f"Weekly digests now go out {send_at} ({tz}). {where}"), "ephemeral"


def register(app: App, deps: Deps) -> None:
    """``/sentiment digest ...``: what ``bot.digests.command`` claims."""
    register_subcommand(
        app,
        deps,
        "digest",
        lambda args: parse_digest_request(args.text),
        lambda request, body, client, outcome: digest_reply(request, body, client, deps, outcome),
    )
