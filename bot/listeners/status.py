"""``/sentiment status``: what the mood record does in this workspace, in one private answer.

This channel's tracking, the workspace's tracked and switched-off channels, which channels get
the digest and when, the minimum group size in effect, who may change workspace settings and
what is stored. Channels are named as Slack mentions, so a private channel the asker is not in
shows as "private channel", never by name. The Home tab shows the same channel lists
(``bot.mood.overview.tracking_overview``, ``bot.mood.replies.channel_list``).

Its own listener (``register``) takes the one word ``status``, acks at once and answers on the
listener pool through the command's response_url.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from slack_bolt import App

from bot.deps import Deps, Outcome, register_subcommand
from bot.mood import counting
from bot.mood import replies as mood_replies
from bot.mood.overview import RECENT_DAYS, tracking_overview
from bot.mood.replies import Message, channel_list, plain_message
from bot.mood.service import MoodService
from bot.mood.workspace import Workspace

log = logging.getLogger("bot.mood")


def _this_channel(deps: Deps, mood: MoodService, workspace: Workspace, channel: str) -> str:
    cmd = deps.settings.sentiment_command
    if channel[:1] not in {"C", "G"}:
        return "This is not a channel, so nothing here is counted."
    if not counting.channel_allowed(deps.settings, channel):
        return "This channel: not counted (the bot's operator left it out)."
    if not mood.counting(workspace, channel):
        return f"This channel: tracking is *off* (`{cmd} mood off`); `{cmd} mood on` restarts it."
    return f"This channel: tracking is *on*; `{cmd} mood off` stops it."


def status_reply(body: Mapping[str, Any], deps: Deps, outcome: Outcome) -> tuple[Message, str]:
    """The private overview for ``/sentiment status``."""
    from bot.digests import store as digest_store
    from bot.digests.schedule import next_send

    settings, mood = deps.settings, deps.mood
    if mood is None or not settings.mood_tracking:
        outcome.set("replied", "mood_tracking_off")
        return mood_replies.tracking_off_everywhere(settings), "ephemeral"
    workspace = Workspace.of(body)
    channel = str(body.get("channel_id") or "")
    try:
        overview = tracking_overview(mood, workspace)
        send_at = digest_store.send_at_for(mood.engine, workspace, settings.digest_send_at)
        digests = [
            s.channel_id
            for s in digest_store.subscriptions(mood.engine)
            if s.workspace == workspace
        ]
        min_authors = mood.min_authors(workspace)
    except Exception as err:  # noqa: BLE001 - the database is down: say so
        log.warning("status_failed error=%s", type(err).__name__)
        outcome.set("replied", "status_database")
        return mood_replies.error("database", settings), "ephemeral"
    tz = settings.mood_timezone
    floor = settings.mood_min_authors
    raised = f" (raised from the operator's {floor})" if min_authors > floor else ""
    lines = [
        "*Team mood in this workspace*",
        _this_channel(deps, mood, workspace, channel),
        f"Tracked channels (counts in the last {RECENT_DAYS} days): "
        + channel_list(overview.tracked, "none yet"),
        "Tracking switched off in: " + channel_list(overview.switched_off, "no channel"),
        f"Weekly digest ({send_at}, {tz}; next {next_send(datetime.now(UTC), send_at, tz):%b %-d})"
        " in: " + channel_list(digests, "no channel"),
        f"Minimum group size: {min_authors:,} people{raised} and "
        f"{settings.mood_min_messages:,} messages a day.",
        f"Changing the digest time, the minimum group size, backfill and turning tracking back "
        f"on: {mood_replies.who_may_change(settings)}. Turning tracking off, digests on or off "
        "in a channel and opting out: anyone.",
    ]
    outcome.set("replied", "status")
    stored = mood_replies.stored_statement(settings, min_authors)
    return plain_message("\n".join(lines), stored), "ephemeral"


def register(app: App, deps: Deps) -> None:
    """``/sentiment status``."""
    register_subcommand(
        app,
        deps,
        "status",
        lambda args: True if args.text.strip().lower() == "status" else None,
        lambda _request, body, _client, outcome: status_reply(body, deps, outcome),
    )
