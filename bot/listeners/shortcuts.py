"""The "Analyze sentiment" message shortcut: the verdict on any message, shown to whoever asked.

Slack sends a ``message_action`` payload (HTTP interactivity or a Socket Mode ``interactive``
envelope) with the message and a ``trigger_id``. The listener acks at once, judges the
message's text like ``/sentiment`` does, and opens a modal with ``views.open`` (only the person
who used the shortcut sees it, in any channel or DM, bot a member or not). A ``trigger_id``
is good for three seconds; if ``views.open`` fails anyway, the answer goes to the payload's
``response_url`` as an ephemeral message instead, so the person always hears back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import replies
from bot.deps import Deps, Outcome, handling
from bot.slack import web_api as slack_api
from bot.slack.text import clean

CALLBACK_ID = "analyze_sentiment"
MODAL_TITLE = "Sentiment"


def _answer_for(message: Mapping[str, Any], deps: Deps, outcome: Outcome) -> replies.Message:
    text = clean(message.get("text"))
    if not text:
        outcome.set("replied", "no_words")
        return replies.no_words_message()
    try:
        answer = replies.result_message(
            deps.predict(text), deps.settings, quote=text, quote_intro="The message"
        )
    except Exception as err:  # noqa: BLE001 - tell the person rather than go silent
        outcome.set("error", type(err).__name__)
        return replies.failure_message()
    outcome.set("replied", "modal")
    return answer


def handle_message_shortcut(body: Mapping[str, Any], client: WebClient, deps: Deps) -> None:
    """Answer one (already acknowledged) message shortcut with a modal, else an ephemeral."""
    request_id = body.get("trigger_id")
    channel = (body.get("channel") or {}).get("id")
    with handling("shortcut", request_id, channel) as outcome:
        answer = _answer_for(body.get("message") or {}, deps, outcome)
        trigger_id = body.get("trigger_id")
        if trigger_id:
            ok, _ = slack_api.call(
                "views.open",
                lambda: client.views_open(
                    trigger_id=trigger_id, view=replies.modal_view(MODAL_TITLE, answer)
                ),
                event_id=request_id,
            )
            if ok:
                return
        response_url = body.get("response_url")
        if not response_url:
            outcome.set("failed", "no_modal_no_response_url")
            return
        ok = slack_api.respond(
            response_url,
            answer,
            response_type="ephemeral",
            settings=deps.settings,
            event_id=request_id,
        )
        outcome.set(*(("replied", "ephemeral") if ok else ("failed", "response_url")))


def register(app: App, deps: Deps) -> None:
    """Listen to the message shortcut ``analyze_sentiment`` (see ``slack_manifest.json``).

    The ack runs on the request thread, the answer on the listener pool.
    """

    @app.message_shortcut(CALLBACK_ID)
    def on_shortcut(ack: Ack, body: dict, client: WebClient) -> None:
        ack()
        deps.after_ack(handle_message_shortcut, body, client, deps)
