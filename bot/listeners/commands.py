"""``/sentiment [--public] TEXT``: acknowledge at once, then answer through the response_url.

The listener acks on the request's thread and hands the answer to the listener pool, so
Slack gets its HTTP 200 (or Socket Mode ack) within milliseconds whatever the model costs and
however busy the pool is. Every answer, usage included, is then posted to the command's
``response_url``: ``response_type: ephemeral``
(only the person who asked sees it) by default, ``in_channel`` with ``--public``, quoting the
text so the channel knows what was judged. ``response_url`` needs no channel membership, so
the command works in any channel and DM.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import replies
from bot.deps import Deps, handling
from bot.digests.command import parse_extra_request
from bot.listeners import mood as mood_listener
from bot.mood.command import parse_mood_request
from bot.slack import web_api as slack_api
from bot.slack.text import clean, parse_command


def handle_command(body: Mapping[str, Any], deps: Deps, client: WebClient | None = None) -> None:
    """Answer one (already acknowledged) slash command through its response_url."""
    request_id = body.get("trigger_id")
    with handling("command", request_id, body.get("channel_id")) as outcome:
        response_url = body.get("response_url")
        if not response_url:
            outcome.set("skipped", "no_response_url")
            return
        args = parse_command(body.get("text"))
        response_type = "in_channel" if args.public else "ephemeral"
        mood_request = None if args.help else parse_mood_request(args.text, args.public)
        extra_request = None if args.help else parse_extra_request(args.text)
        if args.help:
            message, response_type = replies.help_message(deps.settings), "ephemeral"
            outcome.set("replied", "help")
        elif extra_request is not None and client is not None:
            from bot.listeners import digests as digest_listener  # SQLAlchemy: on first use

            message, response_type = digest_listener.answer(
                extra_request, body, client, deps, outcome
            )
        elif mood_request is not None and client is not None:
            message, response_type = mood_listener.answer(mood_request, body, client, deps, outcome)
        else:
            text = clean(args.text)
            try:
                if not text:
                    message, response_type = replies.no_words_message(), "ephemeral"
                elif args.public:
                    message = replies.result_message(
                        deps.predict(text),
                        deps.settings,
                        quote=text,
                        quote_intro=f"<@{body.get('user_id')}> asked about",
                    )
                else:
                    message = replies.result_message(deps.predict(text), deps.settings)
                outcome.set("replied", response_type)
            except Exception as err:  # noqa: BLE001 - tell the person rather than go silent
                outcome.set("error", type(err).__name__)
                message, response_type = replies.failure_message(), "ephemeral"
        ok = slack_api.respond(
            response_url,
            message,
            response_type=response_type,
            settings=deps.settings,
            event_id=request_id,
        )
        if not ok:
            outcome.set("failed", "response_url")


def register(app: App, deps: Deps) -> None:
    """Listen to the configured slash command (``SENTIMENT_COMMAND``, default ``/sentiment``)."""

    @app.command(deps.settings.sentiment_command)
    def on_command(ack: Ack, body: dict, client: WebClient) -> None:
        ack()
        deps.after_ack(handle_command, body, deps, client)
