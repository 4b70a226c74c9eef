"""The minimum group size: small days hidden, merged only as whole weeks, never isolatable."""

from __future__ import annotations

from datetime import date, timedelta

from bot.mood.command import parse_mood_request
from bot.mood.store import DayCounts
from bot.mood.summary import period, summarize

MONDAY = date(2025, 3, 3)


def day(d: date, messages: int, authors: int, positive: int = 0) -> DayCounts:
    return DayCounts(d, messages, positive, 0, messages * 0.5, authors)


def test_a_day_is_shown_only_with_enough_people_and_messages():
    rows = [day(MONDAY, 10, 3), day(MONDAY + timedelta(1), 10, 2), day(MONDAY + timedelta(2), 4, 9)]
    p = period(rows, MONDAY, MONDAY + timedelta(2), 3, 5)
    assert [x.status for x in p.points] == ["shown", "too_few", "too_few"]
    assert p.totals.messages == 10
    assert p.points[1].shown is None and p.points[1].smoothed_score is None


def test_small_days_merge_only_as_a_whole_week_with_one_large_enough_day():
    week = [day(MONDAY + timedelta(i), 2, 3) for i in range(3)]  # 6 messages, 3 authors max
    whole = period(week, MONDAY, MONDAY + timedelta(6), 3, 5)
    assert whole.totals.messages == 6 and whole.days_merged == 3
    # The same days in a period that cuts the week: not merged, so sliding windows never differ
    # by one small day.
    cut = period(week, MONDAY + timedelta(1), MONDAY + timedelta(13), 3, 5)
    assert cut.totals.messages == 0 and cut.days_merged == 0
    pairs = [day(MONDAY + timedelta(i), 3, 2) for i in range(7)]  # maybe the same two people
    assert period(pairs, MONDAY, MONDAY + timedelta(6), 3, 5).totals.messages == 0


def test_summary_compares_with_the_previous_period():
    last = MONDAY + timedelta(13)
    rows = [day(last - timedelta(i), 10, 4, positive=5 if i < 7 else 2) for i in range(14)]
    summary = summarize(rows, last=last, period_days=7, min_authors=3, min_messages=5)
    assert summary.current.totals.positive_share == 0.5
    assert round(summary.change("positive_share"), 2) == 0.3


def test_mood_command_parsing():
    assert parse_mood_request("mood", False).days == 30
    request = parse_mood_request("mood 90d <#C0123ABC|support>", True)
    assert (request.days, request.channel_id, request.public) == (90, "C0123ABC", True)
    assert parse_mood_request("mood off", False).action == "off"
    assert parse_mood_request("optout", False).action == "optout"
    assert parse_mood_request("mood #support", False).error == "channel_name"
    assert parse_mood_request("mood 14d", False).error == "period"
    assert parse_mood_request("mood swings are awful", False) is None
    assert parse_mood_request("this is great", False) is None
