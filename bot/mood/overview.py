"""Which channels of a workspace the mood record counts, for ``/sentiment status`` and the Home tab.

"Tracked": the channels with counts on any of the last ``RECENT_DAYS`` closed days that are
still counted; "switched off": the channels where someone typed ``mood off``. Both surfaces
name them with ``bot.mood.replies.channel_list``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.mood.service import MoodService
from bot.mood.workspace import Workspace

RECENT_DAYS = 30  # "tracked": counts on any of the last 30 closed days


@dataclass(frozen=True)
class TrackingOverview:
    """Which channels of a workspace are counted, and which have counting switched off."""

    tracked: list[str]
    switched_off: list[str]


def tracking_overview(mood: MoodService, workspace: Workspace) -> TrackingOverview:
    """Channels with counts in the last ``RECENT_DAYS`` (still on), and those with ``mood off``."""
    from bot.mood import store  # SQLAlchemy: on the first status or Home tab, not at start

    since = mood.last_closed_day() - timedelta(days=RECENT_DAYS - 1)
    off = sorted(
        channel for ws, channel in store.untracked_channels(mood.engine) if ws == workspace
    )
    tracked = [
        c for c in store.tracked_channels(mood.engine, workspace, since) if c not in set(off)
    ]
    return TrackingOverview(tracked, off)
