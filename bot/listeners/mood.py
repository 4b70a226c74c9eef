"""``/sentiment mood|optout|optin``: the mood record's slash-command answers (after the ack).

Who may change what: anyone may turn counting *off* in a channel (privacy wins) and opt
themselves out or in; turning it back *on* and ``mood min-people N`` need a workspace admin or
owner or a member of ``MOOD_ADMIN_GROUP`` (``bot.mood.replies.admin_refusal``). A change is
announced where its effect is seen (``mood off|on`` in the channel; ``min-people`` in the
channel where it was typed and in every channel that gets the digest); a command that changes
nothing says so to the asker only.

Its own listener (``register``) takes the slash commands ``bot.mood.command`` claims, acks at
once and answers on the listener pool through the response_url (``bot.deps.answer_command``).

How the chart reaches only the asker: a slash command's ephemeral response cannot carry a
file, and a file shared in a channel is visible to everyone there. So by default the chart is
uploaded (Slack's upload flow: ``files.getUploadURLExternal``, POST,
``files.completeUploadExternal``) into the asker's DM with the bot, with the numbers as its
comment, and the ephemeral answer in the channel gives the same numbers and points there.
With ``--public`` the chart is shared in the channel itself.

Before answering about another channel (``#channel``) the bot checks with Slack that it is a
member (``conversations.info`` ``is_member``) and that the asker is (``conversations.members``),
so nobody reads the mood of a channel they cannot read.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.deps import Deps, Outcome, register_subcommand
from bot.mood import replies as mood_replies
from bot.mood.charts.upload import share_chart
from bot.mood.command import MoodRequest, parse_mood_request
from bot.mood.replies import Message, admin_refusal
from bot.mood.summary import MoodSummary
from bot.mood.workspace import Workspace
from bot.slack import web_api as slack_api

log = logging.getLogger("bot.mood")

MAX_MEMBER_PAGES = 20  # 20 x 1000 members; larger channels are checked up to there


def _channel_info(
    client: WebClient, channel: str, request_id: str | None
) -> tuple[str, dict | None]:
    """``("ok", info)``, ``("bot_not_in_channel", None)`` or ``("slack_error", None)``."""
    ok, response = slack_api.call(
        "conversations.info",
        lambda: client.conversations_info(channel=channel),
        event_id=request_id,
    )
    if not ok:
        if response in {
            "channel_not_found",
            "not_in_channel",
            "method_not_supported_for_channel_type",
        }:
            return "bot_not_in_channel", None
        return "slack_error", None
    return "ok", response.get("channel") or {}


def _is_member(client: WebClient, channel: str, user: str, request_id: str | None) -> bool | None:
    """Whether ``user`` is in ``channel`` (None when Slack would not say)."""
    cursor = None
    for _ in range(MAX_MEMBER_PAGES):
        ok, response = slack_api.call(
            "conversations.members",
            lambda c=cursor: client.conversations_members(channel=channel, limit=1000, cursor=c),
            event_id=request_id,
        )
        if not ok:
            return None
        if user in (response.get("members") or []):
            return True
        cursor = (response.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return False
    return False


def _access_error(
    request: MoodRequest,
    body: Mapping[str, Any],
    client: WebClient,
    channel: str,
    request_id: str | None,
) -> tuple[str | None, str | None]:
    """``(error kind, None)`` when the asker may not see ``channel``'s mood, else (None, name).

    Another channel (or ``--public``) needs the bot in it; another channel also needs the
    asker in it, so nobody reads the mood of a channel they cannot read.
    """
    if not channel or channel[0] not in {"C", "G"}:
        return "not_a_channel", None
    status, info = _channel_info(client, channel, request_id)
    other = channel != body.get("channel_id")
    if status == "ok" and (other or request.public) and not info.get("is_member"):
        status = "bot_not_in_channel"
    if status != "ok" and (other or request.public):
        return status, None
    if other:
        member = _is_member(client, channel, str(body.get("user_id") or ""), request_id)
        if member is not True:
            return ("slack_error" if member is None else "asker_not_in_channel"), None
    return None, (info or {}).get("name")


def _dm_channel(client: WebClient, user: str, request_id: str | None) -> str:
    """The asker's DM with the bot ("" when Slack would not open it)."""
    ok, opened = slack_api.call(
        "conversations.open", lambda: client.conversations_open(users=user), event_id=request_id
    )
    return ((opened.get("channel") or {}).get("id") if ok else None) or ""


@dataclass(frozen=True)
class _Asked:
    """The channel a mood request is about (checked), its name, and its summary."""

    channel: str
    name: str | None
    summary: MoodSummary


def _asked_summary(
    request: MoodRequest,
    body: Mapping[str, Any],
    client: WebClient,
    deps: Deps,
    workspace: Workspace,
    outcome: Outcome,
    kind: str,
) -> _Asked | tuple[Message, str]:
    """The checks and the summary that ``mood`` and ``mood export`` share, or the reply that
    stops them: who may see the channel (``_access_error``), then the database."""
    settings, mood = deps.settings, deps.mood
    assert mood is not None
    channel = request.channel_id or str(body.get("channel_id") or "")
    problem, name = _access_error(request, body, client, channel, body.get("trigger_id"))
    if problem:
        outcome.set("replied", f"mood_export_{problem}" if kind == "export" else f"mood_{problem}")
        return mood_replies.error(problem, settings), "ephemeral"
    try:
        summary = mood.summary(workspace, channel, request.days)
    except Exception as err:  # noqa: BLE001 - the database is down: say so
        log.warning("mood_%s_failed error=%s", kind, type(err).__name__)
        outcome.set("replied", "mood_database")
        return mood_replies.error("database", settings), "ephemeral"
    return _Asked(channel, name, summary)


def _export(
    request: MoodRequest,
    body: Mapping[str, Any],
    client: WebClient,
    deps: Deps,
    workspace: Workspace,
    outcome: Outcome,
) -> tuple[Message, str]:
    """``mood export [7d|30d|90d] [#channel]``: the shown days as CSV, uploaded to the asker's
    DM after the same membership checks as ``mood #channel``."""
    from bot.mood.export import csv_text, exported_days

    request_id, user = body.get("trigger_id"), str(body.get("user_id") or "")
    asked = _asked_summary(request, body, client, deps, workspace, outcome, "export")
    if isinstance(asked, tuple):
        return asked
    channel, name, summary = asked.channel, asked.name, asked.summary
    label = mood_replies.period_label(request.days)
    rows = exported_days(summary)
    if not rows:
        outcome.set("replied", "mood_export_empty")
        reason = mood_replies.hidden_text(summary.current, summary.min_authors)
        text = (
            f"Nothing to export for <#{channel}> over the last {label}: no day has numbers "
            f"to show ({reason})."
        )
        return mood_replies.plain_message(text), "ephemeral"
    target = _dm_channel(client, user, request_id)
    first, last = summary.current.first, summary.current.last
    filename = f"mood-{name or channel}-{first.isoformat()}-to-{last.isoformat()}.csv"
    uploaded = bool(target) and share_chart(
        client,
        csv_text(summary).encode(),
        channel=target,
        filename=filename,
        title=f"Mood of #{name or channel}, last {label}",
        alt_text=f"Mood export, {rows} days",
        comment=(
            f"The mood of <#{channel}>, last {label}: {rows} days with numbers (days hidden for "
            "too few people are left out). Shares are fractions of each day's counted messages, "
            "with 90% interval bounds."
        ),
        request_id=request_id,
    )
    outcome.set("replied", "mood_export" if uploaded else "mood_export_upload_failed")
    if not uploaded:
        return mood_replies.plain_message(
            "I couldn't send you the CSV just now. Please try again."
        ), "ephemeral"
    return (
        mood_replies.plain_message(
            f"The CSV of <#{channel}> ({rows} days, last {label}) is in your direct messages "
            "with me."
        ),
        "ephemeral",
    )


def _send_chart(
    request: MoodRequest,
    body: Mapping[str, Any],
    client: WebClient,
    summary: MoodSummary,
    channel: str,
    name: str | None,
) -> bool:
    """Draw the chart and share it: in the channel with ``--public``, else in the asker's DM."""
    from bot.mood.charts.draw import render_png  # matplotlib: on the first chart, not at start

    request_id, user = body.get("trigger_id"), str(body.get("user_id") or "")
    text = mood_replies.summary_text(summary, channel)
    label = mood_replies.period_label(request.days)
    title = f"#{name} \u2014 mood, last {label}" if name else f"Mood, last {label}"
    png = render_png(summary, title)
    if request.public:
        comment = f"<@{user}> shared the mood of <#{channel}>.\n{text}"
        target = channel
    else:
        comment = text
        target = _dm_channel(client, user, request_id)
    return bool(target) and share_chart(
        client,
        png,
        channel=target,
        filename=f"mood-{channel}-{request.days}d.png",
        title=title,
        alt_text=text,
        comment=comment,
        request_id=request_id,
    )


def _show(
    request: MoodRequest,
    body: Mapping[str, Any],
    client: WebClient,
    deps: Deps,
    workspace: Workspace,
    outcome: Outcome,
) -> tuple[Message, str]:
    """``mood [7d|30d|90d] [#channel]``: access checks, the summary, the chart, the numbers."""
    asked = _asked_summary(request, body, client, deps, workspace, outcome, "summary")
    if isinstance(asked, tuple):
        return asked
    channel, name, summary = asked.channel, asked.name, asked.summary
    from bot.mood.charts.blocks import MAX_CATEGORIES, chart_blocks
    from bot.mood.charts.draw import has_chart

    outcome.set("replied", f"mood_{request.days}d_{'public' if request.public else 'private'}")
    response = "in_channel" if request.public else "ephemeral"
    if not has_chart(summary):  # nothing to draw: no blank chart, no upload
        note = "No chart: no day of this period has numbers to draw."
        return mood_replies.summary_message(summary, channel, note), response
    if request.days <= MAX_CATEGORIES + 10:  # 7d, 30d: Slack draws it, nothing uploaded
        message = mood_replies.summary_message(summary, channel, "")
        message["blocks"] = [*message["blocks"], *chart_blocks(summary)]
        return message, response
    uploaded = _send_chart(request, body, client, summary, channel, name)  # 90 days: the PNG
    if request.public:
        note = (
            "" if uploaded else "I couldn't share the chart in the channel; here are the numbers."
        )
        return mood_replies.summary_message(summary, channel, note), "in_channel"
    note = (
        "The chart is in your direct messages with me."
        if uploaded
        else "I couldn't send you the chart just now; here are the numbers."
    )
    return mood_replies.summary_message(summary, channel, note), "ephemeral"


def _min_people(
    request: MoodRequest,
    body: Mapping[str, Any],
    client: WebClient,
    deps: Deps,
    outcome: Outcome,
) -> tuple[Message, str]:
    """``mood min-people N``: admins only, never below ``MOOD_MIN_AUTHORS``, announced."""
    settings, mood = deps.settings, deps.mood
    assert mood is not None and request.min_people is not None
    workspace, value = Workspace.of(body), request.min_people
    if value < settings.mood_min_authors or value > 1000:
        outcome.set("replied", "min_people_out_of_range")
        if value > 1000:
            return mood_replies.error("min_people", settings), "ephemeral"
        return mood_replies.min_people_too_low(value, settings), "ephemeral"
    if value == mood.min_authors(workspace):
        outcome.set("replied", "min_people_unchanged")
        return mood_replies.min_people_unchanged(value), "ephemeral"
    if refusal := admin_refusal(
        deps.admins, client, body, "change the minimum group size", settings
    ):
        outcome.set("replied", refusal.detail)
        return refusal.message, "ephemeral"
    mood.set_min_authors(workspace, value)
    outcome.set("replied", "min_people")
    from bot.digests.announce import announce_in_digest_channels  # SQLAlchemy: not at start

    notice = mood_replies.min_people_changed(str(body.get("user_id") or ""), value, settings)
    channel = str(body.get("channel_id") or "")
    in_channel = channel[:1] in {"C", "G"}
    skip = channel if in_channel else ""
    announce_in_digest_channels(
        client, mood.engine, workspace, notice, skip=skip, request_id=body.get("trigger_id")
    )
    return notice, "in_channel" if in_channel else "ephemeral"


def mood_reply(
    request: MoodRequest,
    body: Mapping[str, Any],
    client: WebClient,
    deps: Deps,
    outcome: Outcome,
) -> tuple[Message, str]:
    """The message and ``response_type`` for one mood request (never raises on Slack errors)."""
    settings = deps.settings
    if request.error:
        outcome.set("replied", f"mood_usage_{request.error}")
        return mood_replies.error(request.error, settings), "ephemeral"
    mood = deps.mood
    workspace = Workspace.of(body)
    user = str(body.get("user_id") or "")
    if mood is None or (
        request.action in {"show", "off", "on", "min_people", "export"}
        and not settings.mood_tracking
    ):
        outcome.set("replied", "mood_tracking_off")
        return mood_replies.tracking_off_everywhere(settings), "ephemeral"
    try:
        if request.action in {"optout", "optin"}:
            opt_out = request.action == "optout"
            if mood.opted_out(workspace, user) == opt_out:
                outcome.set("replied", f"{request.action}_unchanged")
                return mood_replies.opted(opt_out, settings, changed=False), "ephemeral"
            mood.set_opted_out(workspace, user, opt_out)
            outcome.set("replied", request.action)
            return mood_replies.opted(opt_out, settings), "ephemeral"
        if request.action == "min_people":
            return _min_people(request, body, client, deps, outcome)
        if request.action in {"off", "on"}:
            channel = str(body.get("channel_id") or "")
            if channel[:1] not in {"C", "G"}:
                return mood_replies.error("not_a_channel", settings), "ephemeral"
            tracking = request.action == "on"
            if mood.counting(workspace, channel) == tracking:
                outcome.set("replied", f"mood_{request.action}_unchanged")
                return mood_replies.tracking_unchanged(tracking, settings), "ephemeral"
            if tracking:  # off: anyone (privacy wins); back on: admins
                what = "turn mood tracking back on in a channel"
                if refusal := admin_refusal(deps.admins, client, body, what, settings):
                    outcome.set("replied", refusal.detail)
                    return refusal.message, "ephemeral"
            mood.set_tracking(workspace, channel, tracking)
            outcome.set("replied", f"mood_{request.action}")
            # in_channel: everyone in the channel sees who changed it; never silent.
            return mood_replies.tracking_changed(user, tracking, settings), "in_channel"
    except Exception as err:  # noqa: BLE001 - the database is down: say so
        log.warning("mood_command_failed action=%s error=%s", request.action, type(err).__name__)
        outcome.set("replied", "mood_database")
        return mood_replies.error("database", settings), "ephemeral"
    if request.action == "export":
        return _export(request, body, client, deps, workspace, outcome)
    return _show(request, body, client, deps, workspace, outcome)


def register(app: App, deps: Deps) -> None:
    """``/sentiment mood ...``, ``optout``, ``optin``: what ``bot.mood.command`` claims."""
    register_subcommand(
        app,
        deps,
        "mood",
        lambda args: parse_mood_request(args.text, args.public),
        lambda request, body, client, outcome: mood_reply(request, body, client, deps, outcome),
    )
