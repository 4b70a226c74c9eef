"""What the bot says about the mood record: the text summary, notices, confirmations (pure).

Also the lines the Home tab and the weekly digest both show (``mood_line``, ``change_line``,
the chart blocks), and the channel lists ``/sentiment status`` and the Home tab both show
(``channel_list``), so no surface imports another. And the one refusal of a workspace-wide
change (``admin_refusal``): the only function here that asks anything, through the app's
``AdminCheck`` (``bot.slack.permissions``), so the rule and its wording have one home.

The text summary carries every number the chart shows in words (messages counted, shares, the
change against the previous period), for screen readers and notifications.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from bot.mood.estimate import CLASSES, ShareEstimate
from bot.mood.summary import MoodSummary, Period
from bot.mood.workspace import Workspace
from bot.settings import Settings

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from bot.slack.permissions import AdminCheck

Message = dict[str, Any]  # a Slack message body (text, blocks); the one alias every surface uses
MAX_LISTED = 40  # channels named per list; the rest are counted


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def plain_message(text: str, *more: str) -> Message:
    """A section with ``text``, then a context line for each of ``more``."""
    return {"text": text, "blocks": [_section(text), *(_context(m) for m in more)]}


def share(value: float | None) -> str:
    """A share as a whole percentage, or an en dash when there is nothing to show."""
    return "\u2013" if value is None else f"{round(value * 100)}%"


def points(value: float | None, *, missing: str = "no comparison") -> str:
    """A change of a share in percentage points, signed; ``missing`` when there is no earlier."""
    if value is None:
        return missing
    rounded = round(value * 100)
    return "no change" if rounded == 0 else f"{rounded:+d} points"


# -- estimated shares in words ------------------------------------------------------------------

# An interval wider than this (in share, 0-1) tells a lead nothing: say so instead of a number.
TOO_WIDE = 0.5
WIDE_REASON = (
    "the model's measured error rates differ between the kinds of text they were measured on "
    "(docs/estimates.md)"
)


def _range(low: float, high: float) -> str:
    return f"{round(low * 100)}\u2013{round(high * 100)}%"


def class_share(estimate: ShareEstimate, name: str) -> str:
    """``31% positive (26\u201337%)``, or ``positive too uncertain to say (3\u201395%)``."""
    value = estimate.by_class().get(name)
    if value is None:
        return f"{name} \u2013"
    if value.width > TOO_WIDE:
        return f"{name} too uncertain to say ({_range(value.low, value.high)})"
    return f"{share(value.share)} {name} ({_range(value.low, value.high)})"


def too_wide(estimate: ShareEstimate) -> list[str]:
    """The classes whose interval is too wide to mean much."""
    return [c for c, v in estimate.by_class().items() if v.width > TOO_WIDE]


def _names(classes: list[str]) -> str:
    text = ", ".join(classes[:-1]) + " and " + classes[-1] if len(classes) > 1 else classes[0]
    return text.capitalize()


def wide_reason(estimate: ShareEstimate) -> str:
    """Why some shares are too uncertain to say, or "" when every interval means something:
    too few messages, or the model's own uncertainty, whichever part of the interval is larger."""
    wide = too_wide(estimate)
    if not wide:
        return ""
    values = estimate.by_class()
    model = [c for c in wide if values[c].sd_model ** 2 > values[c].variance_statistical]
    few = [c for c in wide if c not in model]
    out = []
    if few:
        out.append(f"{_names(few)}: too uncertain to say from only {estimate.messages:,} messages.")
    if model:
        out.append(f"{_names(model)}: too uncertain to say, because {WIDE_REASON}.")
    return " ".join(out)


def shares_text(estimate: ShareEstimate) -> str:
    """``about 31% positive (26\u201337%), 18% negative (14\u201323%), 51% neutral (...)``."""
    return "about " + ", ".join(class_share(estimate, c) for c in CLASSES)


def hidden_text(period: Period, min_authors: int) -> str:
    """Why a period has no numbers, in the words the replies use."""
    if period.days_too_few:
        return f"hidden: fewer than {min_authors} people"
    return period.estimate.hidden_reason or "no messages counted"


def change_text(summary: MoodSummary) -> str:
    """``positive +6 points (\u22122 to +14)`` per class; ``no clear change`` where the interval
    holds zero; the reason when there is no comparison."""
    comparison = summary.comparison
    if comparison.hidden_reason:
        return comparison.hidden_reason
    parts = []
    for name, change in comparison.by_class().items():
        low, high = round(change.low * 100), round(change.high * 100)
        span = f"{low:+d} to {high:+d}"
        if change.clear:
            parts.append(f"{name} {points(change.difference)} ({span})")
        else:
            parts.append(f"{name} no clear change ({span})")
    return "; ".join(parts)


def baseline_text(summary: MoodSummary) -> str:
    """The previous period in one phrase: ``last period 25% positive, 12% negative``."""
    before = summary.previous.estimate
    if not before.shown:
        return f"last period {hidden_text(summary.previous, summary.min_authors)}"
    values = before.by_class()
    return (
        "last period "
        + ", ".join(f"{share(values[c].share)} {c}" for c in CLASSES if values[c].width <= TOO_WIDE)
        if any(v.width <= TOO_WIDE for v in values.values())
        else "last period too uncertain to say"
    )


# -- the lines the Home tab and the digests share (channel posts, so points spelled out) -------


def mood_line(period: Period, min_authors: int = 0) -> str:
    """`120 messages \u00b7 about 31% positive (26\u201337%), ...`, or why nothing is shown."""
    if not period.estimate.shown:
        if period.days_too_few and min_authors:
            return f"Nothing to show ({hidden_text(period, min_authors)})."
        return "Nothing to show (no messages counted)."
    return f"{period.messages:,} messages \u00b7 {shares_text(period.estimate)}"


def change_line(summary: MoodSummary) -> str:
    """The change of each share against the period before, with its interval."""
    if not summary.current.estimate.shown:
        return ""
    return f"vs the {summary.period_days} days before: {change_text(summary)}"


def stored_statement(settings: Settings, min_authors: int | None = None) -> str:
    """What is stored and what is not, for help, the README and opt-out answers.

    ``min_authors``: the workspace's own minimum group size when it raised the operator's.
    """
    cmd = settings.sentiment_command
    return (
        "For the mood over time I keep, per channel and day, only numbers: messages counted, "
        "the sums of their positive/negative/neutral probabilities, how many were clearly "
        "positive or negative, and how many different people wrote. Never message text, never "
        "who wrote what, no per-person score or count. A day with fewer than "
        f"{settings.mood_min_authors} people is folded into its week once it closes, and the "
        "week is deleted if it has too few people as well; nothing about fewer than "
        f"{max(min_authors or 0, settings.mood_min_authors)} people is ever shown. "
        f"`{cmd} optout` stops me reacting to and counting your messages; `{cmd} mood off` "
        "stops counting in a channel (with a notice to the channel)."
    )


def period_label(days: int) -> str:
    return {7: "7 days", 30: "30 days", 90: "90 days"}.get(days, f"{days} days")


def days_text(period: Period, min_authors: int) -> str:
    """How the period's days split: shown, nothing opinionated, merged, hidden, empty."""
    counts = [
        (period.days("shown"), "shown"),
        (period.days("no_opinion"), "with nothing opinionated"),
        (period.days("merged"), "counted only within their week"),
        (period.days("too_few"), f"hidden: fewer than {min_authors} people"),
        (period.days("empty"), "with nothing stored (no messages, or too few people all week)"),
    ]
    return "Days: " + ", ".join(f"{n} {what}" for n, what in counts if n) + "."


def summary_text(summary: MoodSummary, channel_id: str) -> str:
    """The numbers in words: messages, people, shares with intervals, the baseline, the change,
    and how the days split (for the reply, the chart's alt text and screen readers)."""
    current = summary.current
    span = f"{current.first:%b %-d}\u2013{current.last:%b %-d}"
    head = f"Mood in <#{channel_id}>, last {period_label(summary.period_days)} ({span})"
    if not current.estimate.shown:
        return f"{head}: nothing to show ({hidden_text(current, summary.min_authors)}).\n" + (
            days_text(current, summary.min_authors)
        )
    people = f" from at least {current.people} people" if current.people else ""
    lines = [
        f"{head}: {current.messages:,} messages counted{people}; "
        f"{shares_text(current.estimate)}; {baseline_text(summary)}.",
        f"Change against the previous {period_label(summary.period_days)}: {change_text(summary)}.",
    ]
    reason = wide_reason(current.estimate)
    if reason:
        lines.append(reason)
    lines.append(days_text(current, summary.min_authors))
    return "\n".join(lines)


def summary_message(summary: MoodSummary, channel_id: str, chart_note: str) -> Message:
    text = summary_text(summary, channel_id)
    return plain_message(text, chart_note) if chart_note else plain_message(text)


def tracking_off_everywhere(settings: Settings) -> Message:
    return plain_message(
        "Mood tracking is turned off for this bot (MOOD_TRACKING=off), so there is nothing to "
        "show. Whoever runs the bot can turn it on."
    )


def tracking_changed(user_id: str, tracking: bool, settings: Settings) -> Message:
    """The visible notice in the channel: who turned counting on or off."""
    cmd = settings.sentiment_command
    if tracking:
        text = (
            f"<@{user_id}> turned mood tracking *on* in this channel: I count how messages here "
            f"lean, per day, without text or names. `{cmd} mood off` stops it; `{cmd} optout` "
            "leaves you out."
        )
    else:
        text = (
            f"<@{user_id}> turned mood tracking *off* in this channel: I no longer count messages "
            f"here. `{cmd} mood on` restarts it."
        )
    return plain_message(text)


def opted(opted_out: bool, settings: Settings, *, changed: bool = True) -> Message:
    """The answer to ``optout`` / ``optin``; ``changed`` False: it was already so."""
    cmd = settings.sentiment_command
    if not changed:
        state, undo = ("out", "optin") if opted_out else ("in", "optout")
        return plain_message(
            f"You're already opted {state}, so nothing changed. `{cmd} {undo}` switches it."
        )
    if opted_out:
        return plain_message(
            "You're opted out: I won't react to your messages or count them in any channel's "
            f"mood. I still answer when you ask me ({cmd}, @-mentions). Counts already made hold "
            f"no names and stay. `{cmd} optin` undoes this.",
            stored_statement(settings),
        )
    return plain_message(
        f"You're opted in: I react to your messages and count them. `{cmd} optout` stops it."
    )


def tracking_unchanged(tracking: bool, settings: Settings) -> Message:
    """``mood on|off`` in a channel already so: nothing changed, nobody else is told."""
    cmd = settings.sentiment_command
    if tracking:
        return plain_message(
            f"Mood tracking is already on in this channel, so nothing changed. `{cmd} mood off` "
            "stops it."
        )
    return plain_message(
        f"Mood tracking is already off in this channel, so nothing changed. `{cmd} mood on` "
        "restarts it (workspace admins)."
    )


def who_may_change(settings: Settings) -> str:
    """Who may change workspace-wide settings, as a phrase."""
    group = settings.mood_admin_group
    return "workspace admins and owners" + (
        f" and members of the user group `{group}`" if group else ""
    )


def refused(what: str, settings: Settings) -> Message:
    """A workspace-wide change refused: one sentence that says who can make it."""
    who = who_may_change(settings)
    return plain_message(f"Only {who} can {what}; ask one of them.")


def admin_unknown() -> Message:
    """Slack would not say whether the asker is an admin: refuse rather than guess."""
    return plain_message(
        "I couldn't check with Slack whether you may change this, so nothing changed. "
        "Please try again."
    )


class Refusal(NamedTuple):
    """A refused workspace-wide change: the log line's outcome detail and the answer."""

    detail: str  # "refused", or "refused_unverified" when Slack would not say
    message: Message


def admin_refusal(
    admins: AdminCheck,
    client: WebClient,
    body: Mapping[str, Any],
    what: str,
    settings: Settings,
) -> Refusal | None:
    """None when the asker may make a workspace-wide change, else the one-sentence refusal.

    Workspace-wide changes (digest send time, minimum group size, backfill, turning tracking
    back on) need a workspace admin or owner or a member of ``MOOD_ADMIN_GROUP``; a look-up
    Slack would not answer refuses too (a change nobody could verify is not made).
    """
    workspace = Workspace.of(body)
    user = str(body.get("user_id") or "")
    allowed = admins.may_change(client, workspace.team_id, user, body.get("trigger_id"))
    if allowed:
        return None
    if allowed is None:
        return Refusal("refused_unverified", admin_unknown())
    return Refusal("refused", refused(what, settings))


def channel_list(channels: list[str], none: str) -> str:
    """``<#C1>, <#C2> and 3 more``, or ``none``."""
    if not channels:
        return none
    named = ", ".join(f"<#{c}>" for c in channels[:MAX_LISTED])
    more = len(channels) - MAX_LISTED
    return named + (f" and {more:,} more" if more > 0 else "")


def min_people_changed(user_id: str, value: int, settings: Settings) -> Message:
    """The notice for ``mood min-people N``: shown in the channel and in digest channels."""
    cmd = settings.sentiment_command
    return plain_message(
        f"<@{user_id}> set this workspace's minimum group size to {value} people: a day's "
        f"mood is shown only when at least {value} different people wrote (and "
        f"{settings.mood_min_messages} messages), everywhere: `{cmd} mood`, the Home tab and "
        "digests."
    )


def min_people_unchanged(value: int) -> Message:
    return plain_message(f"The minimum group size is already {value} people, so nothing changed.")


def min_people_too_low(value: int, settings: Settings) -> Message:
    floor = settings.mood_min_authors
    return plain_message(
        f"The minimum group size can't go below {floor} people (the bot's operator set that "
        f"floor with MOOD_MIN_AUTHORS), so {value} would not protect anyone; nothing changed."
    )


def error(kind: str, settings: Settings) -> Message:
    cmd = settings.sentiment_command
    texts = {
        "channel_name": (
            "Pick the channel from Slack's list as you type #, so I get its id "
            f"(e.g. `{cmd} mood #support`)."
        ),
        "period": f"The period can be 7d, 30d or 90d, e.g. `{cmd} mood 90d`.",
        "periods": f"Pick one period: 7d, 30d or 90d, e.g. `{cmd} mood 90d`.",
        "channels": f"Name one channel at a time, e.g. `{cmd} mood #support`.",
        "min_people": (
            f"Give the minimum group size as a whole number of people from "
            f"{settings.mood_min_authors} to 1000, e.g. `{cmd} mood min-people 5`."
        ),
        "not_a_channel": f"`{cmd} mood` works in channels; name one with #channel.",
        "bot_not_in_channel": (
            "I'm not in that channel, so I have no mood for it. Invite me with /invite @sentiment."
        ),
        "asker_not_in_channel": "You can only ask about channels you are a member of.",
        "slack_error": "I couldn't check that channel with Slack just now. Please try again.",
        "database": (
            "I can't reach my database right now, so I can't answer that. Please try again later."
        ),
    }
    return plain_message(texts[kind])
