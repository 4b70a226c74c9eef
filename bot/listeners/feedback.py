"""Presses of the 👍/👎 under a verdict: count them, then thank the person in place of the buttons.

A press is a ``block_actions`` interaction (HTTP or a Socket Mode ``interactive`` envelope). The
listener acks at once; on the listener pool it decodes the button value (verdict, confidence
bucket, agreed), checks the reply was not rated already (double clicks), adds one to the
workspace's counts and replaces the buttons with "Thanks — noted": ``views.update`` for the
shortcut's modal, the ``response_url`` (``replace_original``) for ephemeral ``/sentiment``
answers, ``chat.update`` for the bot's own messages (falling back to the ``response_url``).
Nothing else about the press is kept: not who pressed, not the message, not the channel.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.deps import Deps, handling
from bot.feedback import buttons
from bot.feedback.buttons import Rating
from bot.feedback.guard import RatedReplies
from bot.mood.workspace import Workspace
from bot.slack import web_api as slack_api

log = logging.getLogger("bot.feedback")


def reply_key(body: Mapping[str, Any]) -> str | None:
    """What identifies the rated reply (one rating each), or None when Slack sent no container."""
    container = body.get("container") or {}
    team = Workspace.of(body)
    if container.get("type") == "view":
        view_id = container.get("view_id") or (body.get("view") or {}).get("id")
        return f"{team}:view:{view_id}" if view_id else None
    if container.get("is_ephemeral") and body.get("response_url"):
        return f"{team}:ephemeral:{body['response_url']}"
    channel, ts = container.get("channel_id"), container.get("message_ts")
    return f"{team}:message:{channel}:{ts}" if channel and ts else None


def _fallback_blocks(rating: Rating) -> list[dict[str, Any]]:
    """When Slack did not send the message back (ephemeral), what stays: the verdict, roughly."""
    shown = f"*{rating.verdict.capitalize()}* \u00b7 {rating.bucket}\u2013{rating.bucket + 9}%"
    section = {"type": "section", "text": {"type": "mrkdwn", "text": shown}}
    return [section, buttons.thanks_block()]


def _replace_buttons(
    body: Mapping[str, Any], rating: Rating, client: WebClient, deps: Deps, request_id: str | None
) -> str:
    """Show the thanks instead of the buttons on the surface pressed; returns how it went."""
    container = body.get("container") or {}
    if container.get("type") == "view":
        view = body.get("view") or {}
        updated = {key: view[key] for key in ("type", "title", "close", "submit") if view.get(key)}
        updated["blocks"] = buttons.rated(view.get("blocks") or [])
        ok, _ = slack_api.call(
            "views.update",
            lambda: client.views_update(
                view_id=view.get("id") or container.get("view_id"),
                hash=view.get("hash"),
                view=updated,
            ),
            event_id=request_id,
            readiness=deps.readiness,
        )
        return "view" if ok else "view_failed"
    message = body.get("message") or {}
    blocks = message.get("blocks")
    replaced = {
        "text": message.get("text") or buttons.THANKS,
        "blocks": buttons.rated(blocks) if blocks else _fallback_blocks(rating),
    }
    response_url = body.get("response_url")
    if not container.get("is_ephemeral"):
        channel, ts = container.get("channel_id"), container.get("message_ts")
        if channel and ts:
            ok, _ = slack_api.call(
                "chat.update",
                lambda: client.chat_update(channel=channel, ts=ts, **replaced),
                event_id=request_id,
                readiness=deps.readiness,
            )
            if ok:
                return "message"
    if not response_url:
        return "no_response_url"
    ok = slack_api.respond(
        response_url,
        dict(replaced, replace_original=True),
        response_type="ephemeral" if container.get("is_ephemeral") else "in_channel",
        settings=deps.settings,
        event_id=request_id,
    )
    return "response_url" if ok else "response_url_failed"


def handle_feedback(
    body: Mapping[str, Any], client: WebClient, deps: Deps, rated: RatedReplies
) -> None:
    """Count one (already acknowledged) press, once per reply, and replace the buttons."""
    request_id = body.get("trigger_id")
    channel = (body.get("container") or {}).get("channel_id")
    with handling("feedback", request_id, channel) as outcome:
        action = (body.get("actions") or [{}])[0]
        rating = buttons.decode(action.get("value"))
        key = reply_key(body)
        if rating is None or key is None:
            outcome.set("skipped", "not_a_rating" if rating is None else "no_container")
            return
        if not rated.first(key):
            outcome.set("skipped", "already_rated")
            return
        if deps.mood is None:
            rated.forget(key)
            outcome.set("skipped", "no_database")
            return
        from bot.feedback import store  # SQLAlchemy: on the first press, not at start

        try:
            store.record(deps.mood.engine, Workspace.of(body), rating)
        except Exception as err:  # noqa: BLE001 - keep the buttons: the person can press again
            rated.forget(key)
            outcome.set("failed", f"store={type(err).__name__}")
            return
        outcome.set("rated", _replace_buttons(body, rating, client, deps, request_id))


def register(app: App, deps: Deps) -> None:
    """Listen to the feedback buttons (messages) and their plain-button form (modals)."""
    rated = RatedReplies()

    @app.action(buttons.ACTIONS)
    def on_feedback(ack: Ack, body: dict, client: WebClient) -> None:
        ack()
        deps.after_ack(handle_feedback, body, client, deps, rated)
