"""Adding counts to a per-channel-day row, the one write every mood table shares.

``mood_days`` (the live record) and ``backfill_days`` (history staged by a backfill) hold the
same counts under the same key; a flush or a page adds to a day's row, creating it if needed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, Table

from bot.storage.engine import upsert

DAY_KEY = ("team_id", "enterprise_id", "channel_id", "day")
COUNTS = ("messages", "positive", "negative", "score_sum")


def add_to_day(engine: Engine, table: Table) -> Any:
    """An insert into ``table`` that adds its counts to the day's row when one exists."""
    insert = upsert(engine)(table)
    return insert.on_conflict_do_update(
        index_elements=list(DAY_KEY),
        set_={name: table.c[name] + insert.excluded[name] for name in COUNTS},
    )


def counts_of(tally: Any) -> dict[str, Any]:
    """The counted fields of a tally (``bot.mood.tally.DayTally`` or a row), by column name."""
    return {name: getattr(tally, name) for name in COUNTS}
