"""What counts as a message for the mood record, and how a day's tally grows: one rule.

The live message listener (``bot.listeners.messages``) and the history backfill
(``bot.backfill.job``) both ask this module, so a message read back from history is counted
exactly when it would have been counted live:

- ``skip_reason``: before the model. No bots or the bot itself, no housekeeping subtypes, not
  a mention of the bot (the app_mention listener answers those), channels only, the
  ``REACTION_CHANNELS`` / ``REACTION_CHANNELS_DENY`` lists, and thread replies only with
  ``REACT_IN_THREADS`` (a reply also sent to the channel, a thread broadcast, always passes).
  The same filters decide whether the bot may react, so a reaction and a count never disagree.
- ``text_to_judge``: the above plus opt-outs and "has words": the text the model should judge.
- ``counted_sign``: after the model. Counted when the words are known well enough for a verdict
  (``react``, ``lean`` or ``neutral``): the estimate is the share among counted messages, so a
  neutral message counts as much as an opinionated one. The confident sign (+1/-1) only with
  ``react``.
- ``grow``: how a ``DayTally`` takes one counted message: its three probabilities are added to
  the day's share sums (``bot.mood.estimate.ShareSums``).

Whether a channel is counted at all (``MOOD_TRACKING`` and ``/sentiment mood off|on``) is
``MoodService.counting``: it needs the service's cache of switched-off channels.
``REACTIONS_ENABLED`` is the reaction's own switch and never stops counting.

Plain Python: no Slack SDK, no SQLAlchemy, so the message path imports it at no cost.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bot.mood.tally import DayTally
from bot.settings import Settings
from bot.slack.events import channel_type, ignore_reason, is_thread_reply
from bot.slack.text import clean, mentions_user
from model.prediction import NEUTRAL, POSITIVE, Prediction
from model.verdict import Verdict

CHANNEL_TYPES = frozenset({"channel", "group"})
COUNTED_VERDICTS = frozenset({Verdict.REACT, Verdict.LEAN, Verdict.NEUTRAL})


def channel_allowed(settings: Settings, channel_id: str | None) -> bool:
    """Whether ``REACTION_CHANNELS`` / ``REACTION_CHANNELS_DENY`` let the bot into a channel."""
    if settings.reaction_channels and channel_id not in settings.reaction_channels:
        return False
    return channel_id not in settings.reaction_channels_deny


def skip_reason(
    event: Mapping[str, Any], bot_user_id: str | None, settings: Settings
) -> str | None:
    """Why this message is neither reacted to nor counted, before the model is asked; or None."""
    reason = ignore_reason(event, bot_user_id)
    if reason:
        return reason
    if mentions_user(event.get("text"), bot_user_id):
        return "mention"  # the app_mention listener answers it
    if channel_type(event) not in CHANNEL_TYPES:
        return "not_a_channel"
    channel = event.get("channel")
    if settings.reaction_channels and channel not in settings.reaction_channels:
        return "not_allowed"
    if channel in settings.reaction_channels_deny:
        return "denied"
    if (
        is_thread_reply(event)
        and event.get("subtype") != "thread_broadcast"
        and not settings.react_in_threads
    ):
        return "thread_reply"
    return None


def text_to_judge(
    event: Mapping[str, Any],
    bot_user_id: str | None,
    settings: Settings,
    opted_out: Callable[[str | None], bool],
) -> tuple[str, str]:
    """``(text, "")`` to hand to the model, or ``("", reason)`` when the message is skipped.

    ``opted_out(user_id)`` is the workspace's opt-out check (``MoodService.opted_out``).
    """
    reason = skip_reason(event, bot_user_id, settings)
    if reason:
        return "", reason
    if opted_out(event.get("user")):
        return "", "opted_out"  # no reaction, not counted
    text = clean(event.get("text"))
    if not text:
        return "", "no_words"
    return text, ""


def counted_sign(prediction: Prediction, verdict: Verdict) -> int | None:
    """None when a judged message is not counted; else its sign (+1/-1 confident, 0 leaning)."""
    if verdict not in COUNTED_VERDICTS:
        return None
    if verdict is Verdict.REACT:
        return 1 if prediction.label == POSITIVE else -1
    return 0


def probabilities_of(prediction: Prediction) -> dict[str, float]:
    """The message's three probabilities; an artifact without them (v1/v2, binary) gives its
    P(positive) split between the two polar classes and no neutral, so a day still adds up."""
    if prediction.probabilities:
        return dict(prediction.probabilities)
    score = min(max(float(prediction.score), 0.0), 1.0)
    return {POSITIVE: score, "negative": 1.0 - score, NEUTRAL: 0.0}


def grow(tally: DayTally, user_id: str, probabilities: Mapping[str, float], sign: int) -> None:
    """Add one counted message (its ``probabilities``, ``sign`` from ``counted_sign``)."""
    tally.messages += 1
    tally.sums = tally.sums.add(probabilities)
    if sign > 0:
        tally.positive += 1
    elif sign < 0:
        tally.negative += 1
    tally.authors.add(user_id)
