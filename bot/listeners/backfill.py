"""``/sentiment mood backfill``: start (or resume) reading the channel's recent history into
the mood record, answered through the command's response_url: its own listener (``register``)
takes what ``bot.backfill.command`` claims, acks at once and answers on the listener pool.

The reading runs on a background thread (``bot.backfill.job``); progress goes to one message in
the channel, updated as it goes. Whether the channel is counted at all is the mood record's
rule (``bot.mood.counting.channel_allowed`` and ``MoodService.counting``), as for live messages.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.backfill.command import BackfillRequest, parse_backfill_request
from bot.deps import Deps, Outcome, register_subcommand
from bot.mood import counting
from bot.mood import replies as mood_replies
from bot.mood.replies import Message, admin_refusal, plain_message
from bot.mood.workspace import Workspace
from bot.slack import web_api as slack_api

log = logging.getLogger("bot.digest")


def backfill_reply(
    request: BackfillRequest,
    body: Mapping[str, Any],
    client: WebClient,
    deps: Deps,
    outcome: Outcome,
) -> tuple[Message, str]:
    """The reply (and response_type) for ``mood backfill``; the reading runs in the background.

    Admins only (workspace admins and owners, or ``MOOD_ADMIN_GROUP``): reading a channel's
    history into the record is a workspace-wide decision, announced in the channel.
    """
    settings, mood = deps.settings, deps.mood
    if mood is None or not settings.mood_tracking:
        outcome.set("replied", "mood_tracking_off")
        return mood_replies.tracking_off_everywhere(settings), "ephemeral"
    what = "read a channel's history into the mood record"
    if refusal := admin_refusal(deps.admins, client, body, what, settings):
        outcome.set("replied", refusal.detail)
        return refusal.message, "ephemeral"
    try:
        return _start(body, client, deps, Workspace.of(body), outcome)
    except Exception as err:  # noqa: BLE001 - the database is down: say so
        log.warning(
            "backfill_command_failed action=%s error=%s", request.action, type(err).__name__
        )
        outcome.set("replied", "backfill_database")
        return mood_replies.error("database", settings), "ephemeral"


def _start(
    body: Mapping[str, Any], client: WebClient, deps: Deps, workspace: Workspace, outcome: Outcome
) -> tuple[Message, str]:
    # SQLAlchemy and the history client: on the first backfill, not at start
    from bot.backfill import job as backfill_job
    from bot.backfill import store as backfill_store
    from bot.backfill.history import make_history_client
    from bot.storage.claims import claim_owner

    settings, mood = deps.settings, deps.mood
    assert mood is not None
    channel = str(body.get("channel_id") or "")
    user = str(body.get("user_id") or "")
    if channel[:1] not in {"C", "G"}:
        return plain_message("Use this in the channel whose history should be read."), "ephemeral"
    allowed = counting.channel_allowed(settings, channel) and mood.counting(workspace, channel)
    if not allowed:
        outcome.set("replied", "backfill_not_counted")
        return plain_message(
            "I don't count messages in this channel, so there is nothing to backfill."
        ), ("ephemeral")
    now = datetime.now(UTC)
    span = backfill_job.window(settings, mood.engine, workspace, channel, now)
    if span is None:
        outcome.set("replied", "backfill_nothing")
        return plain_message("Every recent day of this channel is already in the mood record."), (
            "ephemeral"
        )
    owner = claim_owner()
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
        return plain_message(text), "ephemeral"
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
            row = backfill_store.load_job(mood.engine, workspace, channel) or row
    ok, me = slack_api.call("auth.test", client.auth_test, event_id=body.get("trigger_id"))
    history = make_history_client(
        settings.slack_bot_token, settings.slack_api_url, settings.slack_timeout_seconds
    )
    if deps.installer is not None:  # a backfill outlives a rotated token: refresh it as it goes
        clients = deps.installer.clients
        client = clients.client_for(workspace, client) or client
        history = clients.client_for(workspace, history) or history
    job = backfill_job.BackfillJob(
        settings,
        mood.engine,
        client,
        history,
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
    return plain_message(
        f"{verb}: reading up to {settings.backfill_days} days of this channel's history. "
        "Progress is in the channel."
    ), "ephemeral"


def register(app: App, deps: Deps) -> None:
    """``/sentiment mood backfill``: what ``bot.backfill.command`` claims."""
    register_subcommand(
        app,
        deps,
        "backfill",
        lambda args: parse_backfill_request(args.text),
        lambda request, body, client, outcome: backfill_reply(request, body, client, deps, outcome),
    )
