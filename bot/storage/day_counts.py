"""Adding counts to a per-channel-day row, the one write every mood table shares.

``mood_days`` (the live record) and ``backfill_days`` (history staged by a backfill) hold the
same counts under the same key; a flush or a page adds to a day's row, creating it if needed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine, Table

from bot.storage.engine import upsert

DAY_KEY = ("team_id", "enterprise_id", "channel_id", "day")
SUMS = tuple(f"{prefix}_{c}" for prefix in ("p", "p2") for c in ("positive", "negative", "neutral"))
# ``positive`` / ``negative``: messages with a confident verdict (``react``), kept only to tell a
# day with nothing opinionated apart and for the mood-drop alert; the shares come from the sums.
COUNTS = ("messages", "positive", "negative", *SUMS)


def add_to_day(engine: Engine, table: Table) -> Any:
    """An insert into ``table`` that adds its counts to the day's row when one exists."""
    insert = upsert(engine)(table)
    return insert.on_conflict_do_update(
        index_elements=list(DAY_KEY),
        set_={name: table.c[name] + insert.excluded[name] for name in COUNTS},
    )


def counts_of(tally: Any) -> dict[str, Any]:
    """The counted fields of a tally (``bot.mood.tally.DayTally``) or a row, by column name."""
    if isinstance(tally, Mapping):  # a row read back
        return {name: tally[name] for name in COUNTS}
    sums = tally.sums.to_row()  # a tally: its ShareSums give the sum columns
    return {
        "messages": tally.messages,
        "positive": tally.positive,
        "negative": tally.negative,
        **{name: sums[name] for name in SUMS},
    }
