"""The mood record's in-memory values: pending tallies, their keys, the opt-out list.

Plain Python (no SQLAlchemy), so the message path and ``python -m bot``'s startup can use them
before the database layer is imported; ``bot.mood.store`` reads and writes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from bot.mood import privacy
from bot.mood.estimate import ShareSums
from bot.mood.workspace import Workspace


@dataclass
class DayTally:
    """What one flush adds to one (workspace, channel, day): the share sums, the confident
    counts, and who (user ids in memory only; the flush stores keyed hashes)."""

    messages: int = 0
    positive: int = 0
    negative: int = 0
    sums: ShareSums = field(default_factory=ShareSums)
    authors: set[str] = field(default_factory=set)

    def merge(self, other: DayTally) -> None:
        self.messages += other.messages
        self.positive += other.positive
        self.negative += other.negative
        self.sums = self.sums + other.sums
        self.authors |= other.authors


class DayKey(NamedTuple):
    workspace: Workspace
    channel_id: str
    day: date


@dataclass(frozen=True)
class OptOuts:
    """Every workspace's opt-out key and hashes, for the in-memory check on each message."""

    keys: dict[Workspace, bytes]
    hashes: dict[Workspace, frozenset[bytes]]

    def contains(self, workspace: Workspace, user_id: str) -> bool:
        key = self.keys.get(workspace)
        if key is None:
            return False  # nobody in this workspace ever opted out
        return privacy.user_hash(key, user_id) in self.hashes.get(workspace, frozenset())
