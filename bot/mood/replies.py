"""What the bot says about the mood record: the text summary, notices, confirmations (pure).

Also the lines the Home tab and the weekly digest both show (``mood_line``, ``change_line``,
``image_block``), so neither surface imports the other.

The text summary carries every number the chart shows in words (messages counted, shares, the
change against the previous period), for screen readers and notifications.
"""

from __future__ import annotations

from typing import Any

from bot.mood.summary import MoodSummary, Period
from bot.settings import Settings

Message = dict[str, Any]  # a Slack message body (text, blocks); the one alias every surface uses


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


# -- the lines the Home tab and the digests share (channel posts, so points spelled out) -------


def points_in_words(value: float | None) -> str:
    """A change of a share in percentage points, signed, spelled out for a channel post."""
    return points(value, missing="no earlier period to compare")


def mood_line(period: Period) -> str:
    """`12 messages · 40% positive · 10% negative`, or why there is nothing to show."""
    totals = period.totals
    if not totals.messages:
        return "Not enough people wrote for a mood to be shown (fewer than the minimum group)."
    return (
        f"{totals.messages:,} messages \u00b7 {share(totals.positive_share)} positive \u00b7 "
        f"{share(totals.negative_share)} negative"
    )


def change_line(summary: MoodSummary) -> str:
    """Change of the negative and positive shares against the period before."""
    if not summary.current.totals.messages:
        return ""
    return (
        f"vs the {summary.period_days} days before: negative "
        f"{points_in_words(summary.change('negative_share'))}, positive "
        f"{points_in_words(summary.change('positive_share'))}"
    )


def image_block(file_id: str, alt_text: str, title: str | None = None) -> dict[str, Any]:
    """An image block showing a file the bot uploaded itself (a ``slack_file`` by id)."""
    block: dict[str, Any] = {
        "type": "image",
        "slack_file": {"id": file_id},
        "alt_text": alt_text[:2000],
    }
    if title:
        block["title"] = {"type": "plain_text", "text": title[:2000]}
    return block


def stored_statement(settings: Settings, min_authors: int | None = None) -> str:
    """What is stored and what is not, for help, the README and opt-out answers.

    ``min_authors``: the workspace's own minimum group size when it raised the operator's.
    """
    cmd = settings.sentiment_command
    return (
        "For the mood over time I keep, per channel and day, only counts: messages judged, how "
        "many were clearly positive or negative, the average score and how many different "
        "people wrote. Never message text, never who wrote what, no per-person score or count. "
        f"Days with fewer than {min_authors or settings.mood_min_authors} people or "
        f"{settings.mood_min_messages} messages are never shown on their own. "
        f"`{cmd} optout` stops me reacting to and counting your messages; `{cmd} mood off` "
        "stops counting in a channel (with a notice to the channel)."
    )


def period_label(days: int) -> str:
    return {7: "7 days", 30: "30 days", 90: "90 days"}.get(days, f"{days} days")


def summary_text(summary: MoodSummary, channel_id: str) -> str:
    """The numbers in words: counted messages, shares, the change, days left out."""
    current, previous = summary.current, summary.previous
    totals = current.totals
    span = f"{current.first:%b %-d}\u2013{current.last:%b %-d}"
    head = f"Mood in <#{channel_id}>, last {period_label(summary.period_days)} ({span})"
    if not totals.messages:
        return (
            f"{head}: not enough people wrote for me to show anything (a day needs "
            "enough different people and messages)."
        )
    lines = [
        f"{head}: {totals.messages:,} messages counted; {share(totals.positive_share)} clearly "
        f"positive, {share(totals.negative_share)} clearly negative; average mood "
        f"{share(totals.mean_score)} positive.",
        f"Against the previous {period_label(summary.period_days)}: positive "
        f"{points(summary.change('positive_share'))}, negative "
        f"{points(summary.change('negative_share'))}"
        + ("" if previous.totals.messages else " (nothing to compare with)")
        + ".",
    ]
    left_out = current.days_too_few
    if current.days_merged:
        lines.append(f"{current.days_merged} quieter days are counted as merged weeks only.")
    if left_out:
        lines.append(f"{left_out} days had not enough people to show and are left out.")
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
