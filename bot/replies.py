"""What the bot says: Block Kit messages with a plain-text fallback, built from a Prediction.

Pure functions (no Slack SDK), so every wording is testable without a server. Each message is
a dict with ``text`` (the fallback notifications and screen readers use) and ``blocks`` (a
section with the verdict, a context line with the key words and the 👍/👎 feedback buttons of
``bot.feedback``), ready to pass to ``chat.postMessage`` or a ``response_url``.
"""

from __future__ import annotations

from typing import Any

from bot.commands_help import SUBCOMMANDS, Attempt, Subcommand, family
from bot.feedback import buttons as feedback
from bot.mood import replies as mood_replies
from bot.mood.replies import Message
from bot.settings import Settings
from model.prediction import NEGATIVE, NEUTRAL, POSITIVE, Prediction
from model.verdict import Verdict

MAX_KEY_WORDS = 5
MAX_QUOTE_CHARS = 300


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def percent(confidence: float) -> str:
    """The confidence as a whole percentage; never claims 100% for a model's probability."""
    value = round(confidence * 100)
    return f"{min(value, 99) if confidence < 1 else 100}%"


def stated(prediction: Prediction) -> tuple[str, float]:
    """The verdict a reply states and its probability: the three-way verdict when the model
    gives one (``probabilities[verdict]`` is what the reaction rule judges), else the label."""
    if prediction.verdict in prediction.probabilities:
        return prediction.verdict, prediction.probabilities[prediction.verdict]
    return prediction.label, prediction.confidence  # an artifact without the three-way head


def reaction_for(prediction: Prediction, settings: Settings) -> str:
    """The emoji name that stands for the prediction's (polar) verdict."""
    polar = stated(prediction)[0] == POSITIVE
    return settings.positive_emoji if polar else settings.negative_emoji


def _neutral(prediction: Prediction, known: str, lead: str, blocks: list) -> Message:
    """A neutral verdict: no side taken, the three probabilities shown instead."""
    probabilities = prediction.probabilities
    pct = percent(probabilities.get(NEUTRAL, prediction.confidence))
    others = [(name, percent(probabilities.get(name, 0.0))) for name in (POSITIVE, NEGATIVE)]
    shown = " \u00b7 ".join(f"{name} {value}" for name, value in others)
    blocks.append(_section(f":neutral_face: *Neutral* \u00b7 {pct} \u00b7 {shown}"))
    blocks.append(_context(f"No clear feeling either way \u00b7 {known}"))
    blocks.append(feedback.feedback_block(NEUTRAL, probabilities.get(NEUTRAL, 0.0)))
    plain = f"Neutral, {pct}. " + ", ".join(f"{name} {value}" for name, value in others) + "."
    return {"text": lead + plain, "blocks": blocks}


def _quote(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > MAX_QUOTE_CHARS:
        text = text[: MAX_QUOTE_CHARS - 1].rstrip() + "\u2026"
    return escape(text)


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def result_message(
    prediction: Prediction,
    settings: Settings,
    *,
    quote: str | None = None,
    quote_intro: str = "About",
) -> Message:
    """The verdict on one text: label, confidence and key words, or a plain "I can't tell".

    ``quote`` (the analysed text) is shown, after ``quote_intro``, when the reply does not sit
    next to that text: a result shared with the channel, or a thread's first message.
    """
    blocks: list[dict[str, Any]] = []
    lead = ""
    if quote is not None:
        shown = _quote(quote)
        blocks.append(_context(f"{quote_intro}: \u201c{shown}\u201d"))
        lead = f"{quote_intro} \u201c{shown}\u201d: "

    known = f"{prediction.known_words} of {prediction.words} words known"
    verdict = settings.verdict_rule.decide(prediction)
    if verdict is Verdict.NO_WORDS:
        empty = no_words_message()
        return {"text": lead + empty["text"], "blocks": blocks + empty["blocks"]}
    if verdict is Verdict.UNSURE:
        plain = (
            f"I can't tell: I only know {prediction.known_words} of the {prediction.words} "
            "words in that text. Try a longer sentence in plain English."
        )
        blocks.append(_section(f":grey_question: {escape(plain)}"))
        return {"text": lead + plain, "blocks": blocks}

    side, confidence = stated(prediction)
    if verdict is Verdict.NEUTRAL:
        return _neutral(prediction, known, lead, blocks)
    label = side.capitalize()
    if verdict is Verdict.LEAN:
        label = f"Leaning {side}"
    emoji = reaction_for(prediction, settings)
    pct = percent(confidence)
    words = [w for w in prediction.key_words[:MAX_KEY_WORDS] if w]
    blocks.append(_section(f":{emoji}: *{label}* \u00b7 {pct} confident"))
    key_line = "Key words: " + ", ".join(f"*{escape(w)}*" for w in words) if words else ""
    blocks.append(_context(" \u00b7 ".join(part for part in (key_line, known) if part)))
    blocks.append(feedback.feedback_block(side, confidence))
    plain = f"{label}, {pct} confident."
    if words:
        plain += " Key words: " + ", ".join(words) + "."
    return {"text": lead + plain, "blocks": blocks}


def no_words_message() -> Message:
    """Nothing left to judge once Slack markup is removed (only a mention, a link, emoji...)."""
    text = (
        "There are no words in that for me to judge (I skip mentions, links, code, quotes "
        "and emoji)."
    )
    return {"text": text, "blocks": [_section(f":grey_question: {escape(text)}")]}


def _usage_line(subcommand: Subcommand, cmd: str) -> str:
    admin = " _(workspace admins)_" if subcommand.admin else ""
    return f"*{cmd} {subcommand.usage}* \u2014 {subcommand.what}{admin}"


def help_message(settings: Settings) -> Message:
    """Usage for ``/sentiment`` alone or ``/sentiment help``: every subcommand and surface."""
    cmd = settings.sentiment_command
    lines = [
        f"*{cmd} TEXT* \u2014 is TEXT positive or negative? Only you see the answer.",
        f"*{cmd} --public TEXT* \u2014 the same, shared with the channel.",
        "*@mention me with TEXT* \u2014 I answer in a thread.",
        "*@mention me in a thread* \u2014 I judge the thread's first message.",
        "*Message shortcut* \u2014 on any message, More actions \u2192 *Analyze sentiment*: "
        "only you see the verdict.",
        "*Home tab* \u2014 open my app's Home: your channels' mood, the tracked channels and "
        "your opt-out button.",
        "In channels I'm in, I react "
        f":{settings.positive_emoji}: or :{settings.negative_emoji}: to messages I'm at least "
        f"{percent(settings.reaction_threshold)} sure about, and stay quiet about the rest.",
        *(_usage_line(s, cmd) for s in SUBCOMMANDS if s.words != "help"),
    ]
    text = (
        f"Usage: {cmd} TEXT (only you see it), {cmd} --public TEXT (shared), or mention me "
        f"with TEXT; {cmd} mood, digest, status, optout and more: {cmd} help."
    )
    stored = mood_replies.stored_statement(settings)
    return {"text": text, "blocks": [_section("\n".join(lines)), _context(stored)]}


def usage_message(attempt: Attempt, settings: Settings) -> Message:
    """A mistyped or malformed subcommand: what was wrong in one sentence, then its usage."""
    cmd = settings.sentiment_command
    closest = attempt.closest
    if attempt.suggestion:
        first = f"Did you mean `{cmd} {attempt.suggestion}`?"
        usage = [closest]
    elif " " in closest.words or not family(closest.words)[1:]:
        first = f"`{cmd} {closest.words}` takes nothing after it, not `{escape(attempt.extra)}`."
        usage = [closest]
    else:
        first = (
            f"I don't know `{escape(attempt.extra)}` after `{cmd} {closest.words}`; "
            "it can be one of these."
        )
        usage = family(closest.words)
    more = f"`{cmd} help` lists every command; to have text judged, write a full sentence."
    text = "\n".join([first, *(_usage_line(s, cmd) for s in usage)])
    return {"text": text, "blocks": [_section(text), _context(more)]}


def mention_help_message(settings: Settings) -> Message:
    """A bare mention outside a thread: nothing to judge, so say how to ask."""
    text = (
        "Mention me with some text (\u201c@me this is great\u201d), or mention me in a thread "
        f"to judge its first message. {settings.sentiment_command} TEXT answers privately."
    )
    return {"text": text, "blocks": [_section(escape(text))]}


def thread_unreadable_message() -> Message:
    """The thread's first message could not be fetched (no access, deleted, Slack error)."""
    text = "I couldn't read this thread's first message, so there is nothing for me to judge."
    return {"text": text, "blocks": [_section(text)]}


def failure_message() -> Message:
    """Something broke while analysing; say so rather than stay silent."""
    text = "Sorry, something went wrong while I was reading that. Please try again."
    return {"text": text, "blocks": [_section(text)]}


def modal_view(title: str, message: Message) -> dict[str, Any]:
    """A message's blocks as a modal (``views.open``), for answers to shortcuts.

    Slack caps a modal title at 24 characters; the message's ``text`` is not shown in a modal,
    so the blocks must carry everything.
    """
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": title[:24]},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [feedback.as_plain_buttons(block) for block in message["blocks"]],
    }
