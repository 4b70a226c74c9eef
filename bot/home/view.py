"""The Home tab as a Block Kit ``home`` view (pure functions, no Slack SDK).

Slack allows 100 blocks in a view. Channels are listed busiest first; the first
``MAX_CHARTS`` get a chart as Slack's own data visualization block
(``bot.mood.charts.blocks``): Slack draws it, so every viewer sees it (an uploaded file without
a channel would be the bot's private file) and nothing is uploaded. Slack allows two such blocks
per message; the Home tab keeps to that. The rest get one line each, and past the block budget a
closing line says how many more there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.mood.charts.blocks import shares_block, volume_block
from bot.mood.replies import change_line, mood_line
from bot.mood.summary import MoodSummary

MAX_BLOCKS = 100
MAX_CHARTS = 2  # data visualization blocks: at most two per message
OPT_OUT_ACTION = "home_opt_out"
OPT_IN_ACTION = "home_opt_in"
PERIOD_DAYS = 30


@dataclass(frozen=True)
class ChannelMood:
    """One tracked channel the viewer is in, and its summary."""

    channel_id: str
    summary: MoodSummary


def _section(text: str, accessory: dict[str, Any] | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}
    if accessory:
        block["accessory"] = accessory
    return block


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:3000]}]}


def opt_out_blocks(opted_out: bool) -> list[dict[str, Any]]:
    """The viewer's own state and the one button that flips it."""
    if opted_out:
        text = (
            "*You are opted out.* I don't react to your messages or count them in any mood. "
            "`/sentiment` and @-mentions still answer you."
        )
        button = {"text": "Opt back in", "action_id": OPT_IN_ACTION, "value": "in"}
    else:
        text = (
            "*Your messages count* toward your channels' mood (as numbers only, never who "
            "wrote what). You can opt out at any time."
        )
        button = {"text": "Opt out", "action_id": OPT_OUT_ACTION, "value": "out"}
    accessory = {
        "type": "button",
        "text": {"type": "plain_text", "text": button["text"]},
        "action_id": button["action_id"],
        "value": button["value"],
    }
    if not opted_out:
        accessory["style"] = "danger"
    return [_section(text, accessory)]


def _channel_line(channel: ChannelMood) -> str:
    summary = channel.summary
    change = change_line(summary)
    return f"*<#{channel.channel_id}>*  {mood_line(summary.current, summary.min_authors)}" + (
        f"\n{change}" if change else ""
    )


def home_view(
    channels: list[ChannelMood],
    *,
    opted_out: bool,
    stored_statement: str,
    tracked_line: str = "",
    feedback_line: str = "",
) -> dict[str, Any]:
    """The whole Home tab for one viewer; ``tracked_line`` lists the workspace's channels,
    ``feedback_line`` says how people rated the verdicts."""
    head: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Team mood, last 30 days"}},
        *opt_out_blocks(opted_out),
        {"type": "divider"},
    ]
    tail: list[dict[str, Any]] = [{"type": "divider"}, _context(stored_statement)]
    if tracked_line:
        tail.insert(1, _context(tracked_line))
    if feedback_line:
        tail.insert(1, _context(feedback_line))
    body: list[dict[str, Any]] = []
    ordered = sorted(channels, key=lambda c: (-c.summary.current.messages, c.channel_id))
    if not ordered:
        body.append(
            _section(
                "No mood to show yet: none of the channels I count in has you as a member, or "
                "they have no closed days yet. Invite me to a channel and check back tomorrow."
            )
        )
    budget = MAX_BLOCKS - len(head) - len(tail) - 1  # one block kept for "and N more"
    charts = 0
    shown = 0
    for channel in ordered:
        chart = None
        if charts < MAX_CHARTS:
            chart = shares_block(channel.summary) or volume_block(channel.summary)
        needed = 2 if chart else 1
        if needed > budget:
            break
        body.append(_section(_channel_line(channel)))
        if chart:
            body.append(chart)
            charts += 1
        budget -= needed
        shown += 1
    if shown < len(ordered):
        body.append(
            _context(
                f"And {len(ordered) - shown} more channels: `/sentiment mood` in a channel shows "
                "its mood."
            )
        )
    return {"type": "home", "blocks": head + body + tail}
