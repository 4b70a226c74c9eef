"""Write stored mood days straight into the database, as if the bot had counted them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import Engine, insert

from bot.storage.schema import mood_days


def add_days(
    engine: Engine,
    channel_id: str,
    days: Iterable[tuple[date, int, int, int]],
    *,
    team_id: str = "T0000FAKE",
    authors: int = 6,
) -> None:
    """``(day, messages, positive, negative)`` rows for one channel (score from the shares)."""
    rows = [
        {
            "team_id": team_id,
            "enterprise_id": "",
            "channel_id": channel_id,
            "day": day,
            "messages": messages,
            "positive": positive,
            "negative": negative,
            "score_sum": 0.5 * messages + 0.4 * (positive - negative),
            "authors": authors,
        }
        for day, messages, positive, negative in days
    ]
    if rows:
        with engine.begin() as connection:
            connection.execute(insert(mood_days), rows)
