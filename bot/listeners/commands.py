"""``/sentiment [--public] TEXT``: the catch-all: help, did-you-mean usage help, and analysis.

Each feature's subcommands have their own listener, registered before this one
(``bot.listeners.backfill``, ``.digests``, ``.mood``, ``.status``; see
``bot.listeners.register_listeners``): Bolt runs the first listener whose matchers all return
True, and each feature's matcher is its own pure parser (``bot.backfill.command``,
``bot.digests.command``, ``bot.mood.command``, the word ``status``). So this listener gets
only what no feature claimed: help (``/sentiment``, ``help``, ``--help``, ``?``; never claimed
by a feature), a mistyped subcommand ("mood banana", "backfill", "optout now", "help me"),
which gets usage help with the closest match from ``bot.commands_help``, never a verdict; and
anything else, which is analysed (``bot.replies``).

Like every command listener it acks on the request's thread and hands the answer to the
listener pool (``bot.deps.answer_command``), so Slack gets its HTTP 200 (or Socket Mode ack)
within milliseconds whatever the model costs and however busy the pool is. Every answer,
usage included, is then posted to the command's ``response_url``: ``response_type:
ephemeral`` (only the person who asked sees it) by default, ``in_channel`` with ``--public``,
quoting the text so the channel knows what was judged. ``response_url`` needs no channel
membership, so the command works in any channel and DM.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_bolt import Ack, App

from bot import replies
from bot.commands_help import subcommand_attempt
from bot.deps import Deps, Outcome, answer_command
from bot.mood.replies import Message
from bot.slack.text import CommandArgs, clean


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


def command_reply(
    args: CommandArgs, body: Mapping[str, Any], deps: Deps, outcome: Outcome
) -> tuple[Message, str]:
    """Help, usage help for a subcommand attempt, or the verdict on the text."""
    if args.help:
        outcome.set("replied", "help")
        return replies.help_message(deps.settings), "ephemeral"
    answered = _usage_reply(args.text, deps, outcome)
    if answered is None:
        answered = _text_reply(args.text, args.public, body, deps, outcome)
    return answered


def register(app: App, deps: Deps) -> None:
    """Listen to the configured slash command (``SENTIMENT_COMMAND``, default ``/sentiment``)
    with no matcher: register it after every feature's command listener."""

    @app.command(deps.settings.sentiment_command)
    def on_command(ack: Ack, body: dict) -> None:
        ack()

        def reply(args: CommandArgs, outcome: Outcome) -> tuple[Message, str]:
            return command_reply(args, body, deps, outcome)

        deps.after_ack(answer_command, body, deps, reply)
