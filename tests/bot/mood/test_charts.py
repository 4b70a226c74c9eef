"""Chart blocks within Slack's data visualization limits, the PNG, and no chart for nothing."""

from __future__ import annotations

from datetime import date, timedelta

from bot.mood.charts.blocks import MAX_CATEGORIES, chart_blocks
from bot.mood.charts.draw import has_chart, render_png
from bot.mood.estimate import ShareSums
from bot.mood.store import DayCounts
from bot.mood.summary import summarize

LAST = date(2026, 3, 1)


def _day(back: int, messages: int, positive: int, negative: int, authors: int = 5) -> DayCounts:
    rest = messages - positive - negative
    sums = ShareSums.of([(1, 0, 0)] * positive + [(0, 1, 0)] * negative + [(0, 0, 1)] * rest)
    return DayCounts(LAST - timedelta(days=back), messages, positive, negative, authors, sums)


def _summary(rows, days: int = 30):
    return summarize(rows, last=LAST, period_days=days, min_authors=3, min_messages=5)


def test_blocks_stay_within_slacks_limits_and_tell_days_apart():
    rows = [_day(i, 40, 14, 6) for i in range(60) if i % 7 not in (2, 3)]
    rows += [_day(2, 30, 0, 0), _day(3, 9, 4, 1, authors=2)]
    blocks = chart_blocks(_summary(rows))
    charts = [b for b in blocks if b["type"] == "data_visualization"]
    assert len(charts) == 2
    for block in charts:
        assert len(block["title"]) <= 50
        chart = block["chart"]
        categories = chart["axis_config"]["categories"]
        assert len(categories) <= MAX_CATEGORIES and 1 <= len(chart["series"]) <= 6
        for series in chart["series"]:
            assert [p["label"] for p in series["data"]] == categories
    line, bar = charts
    assert line["chart"]["type"] == "line" and bar["chart"]["type"] == "bar"
    assert {s["name"] for s in line["chart"]["series"]} >= {"positive", "positive low"}
    note = blocks[-1]["elements"][0]["text"]
    assert "last 20 days" in note and "Hidden (fewer than 3 people): Feb 26" in note
    assert "nothing opinionated: Feb 27" in note


def test_nothing_to_draw_gives_no_chart():
    empty = _summary([])
    assert chart_blocks(empty) == [] and not has_chart(empty)
    small = _summary([_day(1, 20, 5, 5, authors=2)])
    assert chart_blocks(small) == [] and not has_chart(small)


def test_png_draws_shares_volume_and_hidden_days():
    rows = [_day(i, 10 + i % 5, 4, 1) for i in range(14)] + [_day(20, 9, 4, 1, authors=2)]
    summary = _summary(rows, days=30)
    assert has_chart(summary)
    png = render_png(summary, "Mood, last 30 days")
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
