"""The weekly digest and the mood-drop alert as Block Kit messages (pure functions).

Both carry a plain-text ``text`` for notifications and screen readers, the numbers behind
them, and Slack message ``metadata`` naming the post, so a runner taking over a dead runner's
claim can find a post that already went out.
"""

from __future__ import annotations

from typing import Any

from bot.digests.mood_drop import DropTest
from bot.mood.charts.blocks import chart_blocks
from bot.mood.replies import Message, change_line, mood_line, share
from bot.mood.summary import MoodSummary

METADATA_EVENT = "sentiment_bot_post"


def post_metadata(label: str) -> dict[str, Any]:
    """Names the post in Slack, so a runner taking over a dead one can find it went out."""
    return {"event_type": METADATA_EVENT, "event_payload": {"post": label}}


def digest_message(summary: MoodSummary, channel_id: str, label: str) -> Message:
    """The weekly digest: the week's mood, its chart and the change against the week before."""
    current = summary.current
    week = f"{current.first:%b %-d} \u2013 {current.last:%b %-d}"
    line, change = mood_line(current, summary.min_authors), change_line(summary)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Weekly mood"}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": f"*<#{channel_id}>, {week}*\n{line}"},
        },
    ]
    if change:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": change}]})
    blocks += chart_blocks(summary)  # Slack draws them: nothing uploaded, nothing to share
    blocks.append(
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": "Counts only, no message text, nobody singled out. "
                    "`/sentiment digest off` stops these.",
                }
            ],
        }
    )
    text = f"Weekly mood, {week}: {line}" + (f" ({change})" if change else "")
    return {"text": text, "blocks": blocks, "metadata": post_metadata(label)}


def alert_message(test: DropTest, channel_id: str, label: str) -> Message:
    """One alert per mood-drop episode: what rose, by how much, over how many messages."""
    now, before = share(test.recent_share), share(test.baseline_share)
    text = (
        f"Heads-up: the mood in <#{channel_id}> has dropped. {now} of the last 7 days' "
        f"{test.recent_messages:,} messages were clearly negative, against {before} over the "
        f"28 days before ({test.baseline_messages:,} messages)."
    )
    detail = (
        f"A rise this large happens by chance less than about once in several years of a "
        f"stable channel (t = {test.t:.1f}). I post this once per episode; "
        "`/sentiment mood` shows the chart."
    )
    return {
        "text": text,
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f":warning: {text}"}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": detail}]},
        ],
        "metadata": post_metadata(label),
    }
