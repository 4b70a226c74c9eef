"""``/sentiment mood backfill`` (parsing). Pure: no Slack, no database.

Anything else returns None, so the slash command tries the next feature's parser.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BackfillRequest:
    """``mood backfill`` in the channel it was typed in (the only form there is)."""

    action: str = "backfill"


def parse_backfill_request(text: str) -> BackfillRequest | None:
    """The backfill request in ``text`` (flags removed), or None."""
    if [w.lower() for w in text.split()] == ["mood", "backfill"]:
        return BackfillRequest()
    return None
