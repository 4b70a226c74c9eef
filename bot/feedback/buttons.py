"""The feedback buttons under a verdict, and the value they carry (pure: no Slack SDK).

The button value is all a press needs, so nothing about the reply has to be kept: the verdict
(``positive``/``negative``/``neutral``), the confidence bucket (its lower bound in percent) and
whether the person agreed. Messages carry Slack's ``feedback_buttons`` in a ``context_actions``
block; modals, which lack that block, get two plain buttons in an ``actions`` block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

ACTION_ID = "sentiment_feedback"  # the feedback_buttons element (messages)
AGREE_ACTION_ID = "sentiment_feedback_agree"  # plain buttons (modals)
DISAGREE_ACTION_ID = "sentiment_feedback_disagree"
ACTIONS = re.compile(r"^sentiment_feedback(?:_agree|_disagree)?$")
BLOCK_ID = "sentiment_feedback"
DONE_BLOCK_ID = "sentiment_feedback_done"
VERDICTS = ("positive", "negative", "neutral")
BUCKET_WIDTH = 10  # percent; a bucket is named by its lower bound: 0, 10, ..., 90
THANKS = "Thanks \u2014 noted. Ratings are kept only as counts for this workspace."
_VERSION = "fb1"


@dataclass(frozen=True)
class Rating:
    """One press: which verdict, how sure the bot said it was (bucketed), agreed or not."""

    verdict: str
    bucket: int
    agreed: bool

    @property
    def stated(self) -> float:
        """The bucket's middle as a probability: the confidence the bot stated, roughly."""
        return (self.bucket + BUCKET_WIDTH / 2) / 100


def bucket_of(confidence: float) -> int:
    """The confidence bucket (lower bound in percent) of a probability; 100% goes in the top."""
    value = int(max(0.0, min(confidence, 1.0)) * 100) // BUCKET_WIDTH * BUCKET_WIDTH
    return min(value, 100 - BUCKET_WIDTH)


def encode(verdict: str, bucket: int, agreed: bool) -> str:
    """The button value: ``fb1:positive:80:y``."""
    return f"{_VERSION}:{verdict}:{bucket}:{'y' if agreed else 'n'}"


def decode(value: Any) -> Rating | None:
    """The rating a button value stands for, or None for anything this bot did not write."""
    if not isinstance(value, str) or len(value) > 32:
        return None
    parts = value.split(":")
    if len(parts) != 4 or parts[0] != _VERSION or parts[1] not in VERDICTS:
        return None
    if parts[2] not in {str(b) for b in range(0, 100, BUCKET_WIDTH)} or parts[3] not in "yn":
        return None
    return Rating(parts[1], int(parts[2]), parts[3] == "y")


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def feedback_block(verdict: str, confidence: float) -> dict[str, Any]:
    """Slack's 👍/👎 feedback buttons for one verdict, in a ``context_actions`` block."""
    bucket = bucket_of(confidence)
    return {
        "type": "context_actions",
        "block_id": BLOCK_ID,
        "elements": [
            {
                "type": "feedback_buttons",
                "action_id": ACTION_ID,
                "positive_button": {
                    "text": _plain("\U0001f44d"),
                    "value": encode(verdict, bucket, True),
                    "accessibility_label": "I agree with this verdict",
                },
                "negative_button": {
                    "text": _plain("\U0001f44e"),
                    "value": encode(verdict, bucket, False),
                    "accessibility_label": "I disagree with this verdict",
                },
            }
        ],
    }


def as_plain_buttons(block: dict[str, Any]) -> dict[str, Any]:
    """A feedback block as an ``actions`` block with two plain buttons, for surfaces (modals)
    where ``context_actions`` is not allowed; other blocks are returned unchanged."""
    if block.get("type") != "context_actions" or block.get("block_id") != BLOCK_ID:
        return block
    element = block["elements"][0]
    buttons = [
        (AGREE_ACTION_ID, "\U0001f44d Agree", element["positive_button"]["value"]),
        (DISAGREE_ACTION_ID, "\U0001f44e Disagree", element["negative_button"]["value"]),
    ]
    return {
        "type": "actions",
        "block_id": BLOCK_ID,
        "elements": [
            {"type": "button", "action_id": action, "text": _plain(text), "value": value}
            for action, text, value in buttons
        ],
    }


def thanks_block() -> dict[str, Any]:
    """What replaces the buttons once the reply was rated (one rating per reply)."""
    return {
        "type": "context",
        "block_id": DONE_BLOCK_ID,
        "elements": [{"type": "mrkdwn", "text": THANKS}],
    }


def is_feedback_block(block: Any) -> bool:
    return isinstance(block, dict) and block.get("block_id") == BLOCK_ID


def rated(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``blocks`` with the feedback buttons replaced by the thanks line (added if absent)."""
    out = [thanks_block() if is_feedback_block(b) else b for b in blocks]
    if not any(b.get("block_id") == DONE_BLOCK_ID for b in out if isinstance(b, dict)):
        out.append(thanks_block())
    return out
