"""The slash command's digest and backfill subcommands (``/sentiment digest ...``,
``/sentiment mood backfill``): answered through the command's response_url like the rest.

- ``digest weekly`` / ``digest off`` subscribe or unsubscribe the channel (a visible notice in
  the channel says who did it, so a digest never appears unexplained); ``digest time DAY
  HH:MM`` sets the workspace's send time; ``digest`` alone says what is set.
- ``mood backfill`` starts (or resumes) reading the channel's recent history into the mood
  record on a background thread; progress goes to one message in the channel, updated as it
  goes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from slack_sdk import WebClient

from bot.backfill import job as backfill_job
from bot.backfill import store as backfill_store
from bot.backfill.history import make_history_client
from bot.deps import Deps, Outcome
from bot.digests import store
from bot.digests.command import ExtraRequest
from bot.digests.runner import runner_id
from bot.mood.store import Workspace
from bot.slack import web_api as slack_api

log = logging.getLogger("bot.digest")
Message = dict[str, Any]


def _text(text: str) -> Message:
    return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


def answer(
    request: ExtraRequest, body: Mapping[str, Any], client: WebClient, deps: Deps, outcome: Outcome
) -> tuple[Message, str]:
    """The reply (and response_type) for one digest/backfill subcommand."""
    settings, mood = deps.settings, deps.mood
    cmd = settings.sentiment_command
    workspace = Workspace.of(body.get("team_id"), body.get("enterprise_id"))
    channel = str(body.get("channel_id") or "")
    user = str(body.get("user_id") or "")
    if request.error:
        outcome.set("replied", "digest_usage")
        return _text(
            f"{request.error if request.error != 'usage' else ''} Try `{cmd} digest weekly`, "
            f"`{cmd} digest off`, `{cmd} digest time mon 09:00` or `{cmd} mood backfill`."
        ), "ephemeral"
    if mood is None or not settings.mood_tracking:
        outcome.set("replied", "mood_tracking_off")
        return _text("The team mood record is turned off here (MOOD_TRACKING=off)."), "ephemeral"
    in_channel = channel[:1] in {"C", "G"}
    try:
        if request.action == "backfill":
            return _backfill(body, client, deps, workspace, channel, user, outcome)
        if request.action == "digest_time" and request.send_at is not None:
            store.set_send_at(mood.engine, workspace, request.send_at)
            outcome.set("replied", "digest_time")
            return _text(
                f"Weekly digests in this workspace now go out {request.send_at} "
                f"({settings.mood_timezone})."
            ), "ephemeral"
        send_at = store.send_at_for(mood.engine, workspace, settings.digest_send_at)
        if request.action in {"digest_on", "digest_off"} and not in_channel:
            return _text("Use this in the channel that should get the digest."), "ephemeral"
        if request.action == "digest_on":
            store.subscribe(mood.engine, workspace, channel, datetime.now(UTC))
            outcome.set("replied", "digest_on")
            return _text(
                f"<@{user}> subscribed this channel to a weekly mood digest, every {send_at} "
                f"({settings.mood_timezone}): counts only, nobody singled out. I'll also post "
                f"once if the mood clearly drops. `{cmd} digest off` stops both."
            ), "in_channel"
        if request.action == "digest_off":
            store.unsubscribe(mood.engine, workspace, channel)
            outcome.set("replied", "digest_off")
            return _text(f"<@{user}> stopped this channel's weekly mood digest."), "in_channel"
        subscribed = in_channel and store.is_subscribed(mood.engine, workspace, channel)
        outcome.set("replied", "digest_status")
        return _text(
            f"This channel {'gets' if subscribed else 'does not get'} the weekly digest. "
            f"Digests go out {send_at} ({settings.mood_timezone})."
        ), "ephemeral"
    except Exception as err:  # noqa: BLE001 - the database is down: say so
        log.warning("digest_command_failed action=%s error=%s", request.action, type(err).__name__)
        outcome.set("replied", "digest_database")
        return _text("I can't reach my database right now; please try again later."), "ephemeral"


def _backfill(
    body: Mapping[str, Any],
    client: WebClient,
    deps: Deps,
    workspace: Workspace,
    channel: str,
    user: str,
    outcome: Outcome,
) -> tuple[Message, str]:
    settings, mood = deps.settings, deps.mood
    if channel[:1] not in {"C", "G"}:
        return _text("Use this in the channel whose history should be read."), "ephemeral"
    allowed = (
        (not settings.reaction_channels or channel in settings.reaction_channels)
        and channel not in settings.reaction_channels_deny
        and mood.counting(workspace, channel)
    )
    if not allowed:
        outcome.set("replied", "backfill_not_counted")
        return _text("I don't count messages in this channel, so there is nothing to backfill."), (
            "ephemeral"
        )
    now = datetime.now(UTC)
    span = backfill_job.window(settings, mood.engine, workspace, channel, now)
    if span is None:
        outcome.set("replied", "backfill_nothing")
        return _text("Every recent day of this channel is already in the mood record."), (
            "ephemeral"
        )
    owner = runner_id()
    state, row = backfill_store.acquire(
        mood.engine,
        workspace,
        channel,
        owner=owner,
        oldest_ts=span[0],
        bound_ts=span[1],
        lease=backfill_job.LEASE,
        now=now,
    )
    if state in {"running", "done"} or row is None:
        outcome.set("replied", f"backfill_{state}")
        text = (
            "A backfill of this channel is already running."
            if state == "running"
            else "This channel was already backfilled."
        )
        return _text(text), "ephemeral"
    if not row.progress_ts:
        ok, posted = slack_api.call(
            "chat.postMessage",
            lambda: client.chat_postMessage(
                channel=channel,
                text=f"<@{user}> asked me to read the last {settings.backfill_days} days of this "
                "channel into the mood record (counts per day only). Starting\u2026",
            ),
            event_id=body.get("trigger_id"),
        )
        if ok:
            backfill_store.set_progress_message(
                mood.engine, workspace, channel, channel, posted["ts"]
            )
            row = backfill_store.load(mood.engine, workspace, channel) or row
    ok, me = slack_api.call("auth.test", client.auth_test, event_id=body.get("trigger_id"))
    job = backfill_job.BackfillJob(
        settings,
        mood.engine,
        client,
        make_history_client(
            settings.slack_bot_token, settings.slack_api_url, settings.slack_timeout_seconds
        ),
        deps.predictor,
        workspace=workspace,
        channel_id=channel,
        bot_user_id=me.get("user_id") if ok else None,
        opted_out=mood.opted_out,
        owner=owner,
    )
    backfill_job.run_in_background(job, row)
    outcome.set("replied", f"backfill_{state}")
    verb = "Resuming" if state == "resumed" else "Started"
    return _text(
        f"{verb}: reading up to {settings.backfill_days} days of this channel's history. "
        "Progress is in the channel."
    ), "ephemeral"
