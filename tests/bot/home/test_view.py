"""The Home tab view, as pure Block Kit."""

from __future__ import annotations

import json
from datetime import date

from bot.home.view import MAX_BLOCKS, MAX_CHARTS, OPT_OUT_ACTION, ChannelMood, home_view
from bot.mood.estimate import ShareSums
from bot.mood.store import DayCounts
from bot.mood.summary import summarize
from tests.helpers.mood_rows import sums_row

LAST = date(2026, 3, 1)


def _summary(messages: int, authors: int = 6):
    rows = [
        DayCounts(
            date.fromordinal(LAST.toordinal() - i),
            messages,
            10,
            3,
            authors,
            ShareSums.from_row({"messages": messages, **sums_row(messages, 10, 3)}),
        )
        for i in range(60)
    ]
    return summarize(rows, last=LAST, period_days=30, min_authors=3, min_messages=5)


def test_many_channels_fit_slacks_limit_busiest_first_with_charts_for_the_busiest():
    channels = [ChannelMood(f"C{i:04d}", _summary(10 + i)) for i in range(150)]
    view = home_view(channels, opted_out=False, stored_statement="Counts only.")
    blocks = view["blocks"]
    assert view["type"] == "home" and len(blocks) == MAX_BLOCKS
    charts = [b for b in blocks if b["type"] == "data_visualization"]
    assert len(charts) == MAX_CHARTS == 2  # at most two per message
    assert blocks[blocks.index(charts[0]) - 1]["text"]["text"].startswith("*<#C0149>*")
    text = json.dumps(view)
    assert "more channels" in text and text.index("C0149") < text.index("C0148")


def test_empty_home_and_small_groups():
    empty = json.dumps(home_view([], opted_out=False, stored_statement="x"))
    assert "No mood to show yet" in empty
    small = home_view(
        [ChannelMood("C1", _summary(40, authors=2))], opted_out=True, stored_statement="x"
    )
    text = json.dumps(small)
    assert "hidden: fewer than 3 people" in text and "data_visualization" not in text
    assert OPT_OUT_ACTION not in text and "Opt back in" in text
