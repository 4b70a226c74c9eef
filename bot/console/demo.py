"""A month of several people's chat in a channel, for the console's ``--demo``.

The console hands these messages to the fake Slack, which serves them through
``conversations.history`` like Slack does; the bot's own ``/sentiment mood backfill`` then
reads them into the mood record, so the mood, export and status commands have real numbers to
show on a fresh machine. The month is the same every run relative to the newest closed day
(a fixed random seed, days counted back from it), so a transcript of it reads the same any day.

The story: a good start, a rough release in the middle, a recovery. Every week has quiet days
(one or two people, a message or three) and a day only two people talk; those days stay below
the minimum group size and show as such.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.mood.days import last_closed_day

DEMO_MESSAGES = Path(__file__).with_name("demo_messages.txt")
_SEED = 16
# (positive, negative, neutral) weights by how many days ago: start, rough patch, recovery.
_PHASES = ((21, (6, 1, 3)), (11, (2, 5, 3)), (0, (5, 2, 3)))


def _sections(path: Path) -> dict[str, list[str]]:
    """The data file's lines by section (``[positive]`` ...), notes and blanks dropped."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
        elif current is not None:
            current.append(line)
    return sections


def _day_plan(rng: random.Random, ago: int, people: int) -> tuple[int, int]:
    """(people, messages) for the day ``ago`` days back: busy, a pair, or quiet."""
    if ago % 7 in (2, 3):  # quiet: below the minimum group size
        return rng.randint(1, 2), rng.randint(1, 3)
    if ago % 14 == 4:  # two people talk a lot: still too few people to show
        return 2, rng.randint(5, 7)
    return rng.randint(3, people), rng.randint(6, 10)


def demo_history(
    now: datetime, tz: ZoneInfo, user_ids: Sequence[str], days: int = 30
) -> list[dict[str, Any]]:
    """Channel messages (``ts``, ``user``, ``text``) on the ``days`` newest closed days.

    Days are the mood record's (``tz``, ``bot.mood.days``), so every message lands on a closed
    day inside the backfill window and the summary's period.
    """
    rng = random.Random(_SEED)
    sections = _sections(DEMO_MESSAGES)
    moods = ("positive", "negative", "neutral")
    pools = {}
    for mood in moods:
        lines = list(sections.get(mood, []))
        rng.shuffle(lines)
        pools[mood] = itertools.cycle(lines)
    newest: date = last_closed_day(now, tz)
    messages: list[dict[str, Any]] = []
    seq = itertools.count(1)
    for ago in range(days, 0, -1):
        day = newest - timedelta(days=ago - 1)
        weights = next(w for since, w in _PHASES if ago > since)
        n_people, n_messages = _day_plan(rng, ago, len(user_ids))
        talkers = rng.sample(list(user_ids), n_people)
        start = datetime.combine(day, time(9), tz)
        minutes = sorted(rng.sample(range(9 * 60), n_messages))
        for i, minute in enumerate(minutes):
            user = talkers[i] if i < n_people else rng.choice(talkers)
            mood = rng.choices(moods, weights=weights)[0]
            stamp = (start + timedelta(minutes=minute)).timestamp()
            messages.append(
                {"ts": f"{int(stamp)}.{next(seq):06d}", "user": user, "text": next(pools[mood])}
            )
    return messages
