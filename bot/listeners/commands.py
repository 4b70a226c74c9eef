"""``/sentiment [--public] TEXT``: acknowledge at once, then answer through the response_url.

The listener acks on the request's thread and hands the answer to the listener pool, so
Slack gets its HTTP 200 (or Socket Mode ack) within milliseconds whatever the model costs and
however busy the pool is. Every answer, usage included, is then posted to the command's
``response_url``: ``response_type: ephemeral``
(only the person who asked sees it) by default, ``in_channel`` with ``--public``, quoting the
text so the channel knows what was judged. ``response_url`` needs no channel membership, so
the command works in any channel and DM.

Dispatch only: each feature's pure parser (``bot.backfill.command``, ``bot.digests.command``,
``bot.mood.command``, and ``status``) is tried in turn and its listener module
(``bot.listeners.backfill``, ``.digests``, ``.mood``, ``.status``) answers. Text none of them
claims goes to ``bot.commands_help``: a mistyped subcommand ("mood banana", "backfill",
"optout now", "help me") gets usage help with the closest match, never a verdict; anything
else is analysed (``bot.replies``).

One listener and one dispatch rather than a Bolt listener per feature: the ack stays in one
place, and the did-you-mean needs to know that no feature claimed the text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import replies
from bot.backfill.command import parse_backfill_request
from bot.commands_help import subcommand_attempt
from bot.deps import Deps, Outcome, handling
from bot.digests.command import parse_digest_request
from bot.listeners.mood import mood_reply
from bot.mood.command import parse_mood_request
from bot.mood.replies import Message
from bot.slack import web_api as slack_api
from bot.slack.permissions import AdminCheck
from bot.slack.text import clean, parse_command


def _feature_reply(
    text: str,
    public: bool,
    body: Mapping[str, Any],
    client: WebClient,
    deps: Deps,
    outcome: Outcome,
    admins: AdminCheck,
) -> tuple[Message, str] | None:
    """The answer of the feature whose parser claims ``text``, or None when none does.

    Each feature parses its own words (pure) and its listener module answers; the database
    layer is imported on the first such command, not at start.
    """
    if (backfill_request := parse_backfill_request(text)) is not None:
        from bot.listeners.backfill import backfill_reply

        return backfill_reply(backfill_request, body, client, deps, outcome, admins)
    if (digest_request := parse_digest_request(text)) is not None:
        from bot.listeners.digests import digest_reply

        return digest_reply(digest_request, body, client, deps, outcome, admins)
    if (mood_request := parse_mood_request(text, public)) is not None:
        return mood_reply(mood_request, body, client, deps, outcome, admins)
    if text.strip().lower() == "status":
        from bot.listeners.status import status_reply

        return status_reply(body, deps, outcome)
    return None


def _usage_reply(text: str, deps: Deps, outcome: Outcome) -> tuple[Message, str] | None:
    """Usage help when ``text`` was a subcommand attempt no parser understood, else None."""
    attempt = subcommand_attempt(text)
    if attempt is None:
        return None
    if attempt.closest.words == "help":  # "help me", "help please"
        outcome.set("replied", "help")
        return replies.help_message(deps.settings), "ephemeral"
    outcome.set("replied", "usage")
    return replies.usage_message(attempt, deps.settings), "ephemeral"


def _text_reply(text: str, public: bool, body: Mapping[str, Any], deps: Deps, outcome: Outcome):
    """Analyse ``text`` as before: the verdict, quoted for the channel with ``--public``."""
    response_type = "in_channel" if public else "ephemeral"
    text = clean(text)
    try:
        if not text:
            message, response_type = replies.no_words_message(), "ephemeral"
        elif public:
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
    return message, response_type


def handle_command(
    body: Mapping[str, Any],
    deps: Deps,
    client: WebClient | None = None,
    admins: AdminCheck | None = None,
) -> None:
    """Answer one (already acknowledged) slash command through its response_url."""
    request_id = body.get("trigger_id")
    with handling("command", request_id, body.get("channel_id")) as outcome:
        response_url = body.get("response_url")
        if not response_url:
            outcome.set("skipped", "no_response_url")
            return
        args = parse_command(body.get("text"))
        answered = None
        if args.help:
            answered = replies.help_message(deps.settings), "ephemeral"
            outcome.set("replied", "help")
        elif client is not None:
            admins = admins or AdminCheck(deps.settings)
            answered = _feature_reply(args.text, args.public, body, client, deps, outcome, admins)
        if answered is None:
            answered = _usage_reply(args.text, deps, outcome)
        if answered is None:
            answered = _text_reply(args.text, args.public, body, deps, outcome)
        message, response_type = answered
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
    admins = AdminCheck(deps.settings)  # one per app: its cache of who is an admin

    @app.command(deps.settings.sentiment_command)
    def on_command(ack: Ack, body: dict, client: WebClient) -> None:
        ack()
        deps.after_ack(handle_command, body, deps, client, admins)
