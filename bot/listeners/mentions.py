"""@-mentions: answer in the message's thread with the sentiment of the text after the mention.

A bare mention inside a thread judges the thread's first message (fetched with
``conversations.replies``), which is how people ask "what's the mood of this?". A bare mention
outside a thread gets a one-line how-to.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot import replies
from bot.deps import Deps, Outcome, handling
from bot.slack import web_api as slack_api
from bot.slack.events import ignore_reason, is_thread_reply
from bot.slack.text import clean


def _thread_parent_text(
    client: WebClient, channel: str, thread_ts: str, event_id: str | None, deps: Deps
) -> str | None:
    """The raw text of a thread's first message, or None when Slack would not give it."""
    ok, response = slack_api.call(
        "conversations.replies",
        lambda: client.conversations_replies(
            channel=channel, ts=thread_ts, limit=1, inclusive=True
        ),
        event_id=event_id,
        readiness=deps.readiness,
    )
    if not ok:
        return None
    for message in response.get("messages") or []:
        if message.get("ts") == thread_ts:
            return message.get("text") or ""
    return None


def _reply_for(
    event: Mapping[str, Any],
    event_id: str | None,
    client: WebClient,
    deps: Deps,
    outcome: Outcome,
) -> replies.Message:
    text = clean(event.get("text"))
    if text:
        outcome.set("replied", "text")
        return replies.result_message(deps.predict(text), deps.settings)
    if not is_thread_reply(event):
        outcome.set("replied", "help")
        return replies.mention_help_message(deps.settings)
    parent = _thread_parent_text(client, event["channel"], event["thread_ts"], event_id, deps)
    if parent is None:
        outcome.set("replied", "thread_unreadable")
        return replies.thread_unreadable_message()
    parent_text = clean(parent)
    outcome.set("replied", "thread_parent")
    if not parent_text:
        return replies.no_words_message()
    return replies.result_message(
        deps.predict(parent_text),
        deps.settings,
        quote=parent_text,
        quote_intro="The thread's first message",
    )


def handle_mention(
    event: Mapping[str, Any],
    event_id: str | None,
    bot_user_id: str | None,
    client: WebClient,
    deps: Deps,
) -> None:
    """Reply once, in the thread, to one app_mention."""
    channel = event.get("channel")
    with handling("mention", event_id, channel) as outcome:
        reason = ignore_reason(event, bot_user_id)
        if reason:
            outcome.set("skipped", reason)
            return
        try:
            message = _reply_for(event, event_id, client, deps, outcome)
        except Exception as err:  # noqa: BLE001 - still tell the person something went wrong
            outcome.set("error", type(err).__name__)
            message = replies.failure_message()
        thread_ts = event.get("thread_ts") or event.get("ts")
        ok, result = slack_api.call(
            "chat.postMessage",
            lambda: client.chat_postMessage(channel=channel, thread_ts=thread_ts, **message),
            event_id=event_id,
            readiness=deps.readiness,
        )
        if not ok:
            outcome.set("failed", f"error={result}")


def register(app: App, deps: Deps) -> None:
    """Listen to ``app_mention`` events: ack on the request thread, answer on the pool."""

    @app.event("app_mention")
    def on_mention(
        ack: Ack, body: dict, event: dict, context: BoltContext, client: WebClient
    ) -> None:
        ack()
        deps.after_ack(
            handle_mention, event, body.get("event_id"), context.bot_user_id, client, deps
        )
