"""The Home tab as a Block Kit ``home`` view (pure functions, no Slack SDK).

Slack allows 100 blocks in a view. Channels are listed busiest first; the first
``MAX_CHARTS`` get their chart (an image block showing the bot's own uploaded file), the rest
one line each, and past the block budget a closing line says how many more there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.mood.replies import change_line, image_block, mood_line
from bot.mood.summary import MoodSummary

MAX_BLOCKS = 100
MAX_CHARTS = 20
OPT_OUT_ACTION = "home_opt_out"
OPT_IN_ACTION = "home_opt_in"
PERIOD_DAYS = 30


@dataclass(frozen=True)
class ChannelMood:
    """One tracked channel the viewer is in: its summary and the chart file, if uploaded."""

    channel_id: str
    summary: MoodSummary
    chart_file_id: str | None = None


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
    return f"*<#{channel.channel_id}>*  {mood_line(summary.current)}" + (
        f"\n{change}" if change else ""
    )


def home_view(
    channels: list[ChannelMood], *, opted_out: bool, stored_statement: str, tracked_line: str = ""
) -> dict[str, Any]:
    """The whole Home tab for one viewer; ``tracked_line`` lists the workspace's channels."""
    head: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Team mood, last 30 days"}},
        *opt_out_blocks(opted_out),
        {"type": "divider"},
    ]
    tail: list[dict[str, Any]] = [{"type": "divider"}, _context(stored_statement)]
    if tracked_line:
        tail.insert(1, _context(tracked_line))
    body: list[dict[str, Any]] = []
    ordered = sorted(channels, key=lambda c: (-c.summary.current.totals.messages, c.channel_id))
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
        with_chart = (
            channel.chart_file_id is not None
            and channel.summary.current.totals.messages > 0
            and charts < MAX_CHARTS
        )
        needed = 2 if with_chart else 1
        if needed > budget:
            break
        line = _channel_line(channel)
        body.append(_section(line))
        if with_chart:
            body.append(
                image_block(
                    channel.chart_file_id or "",
                    f"Daily mood in the channel over the last {PERIOD_DAYS} days. "
                    + mood_line(channel.summary.current),
                )
            )
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
