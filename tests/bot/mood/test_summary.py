"""Summaries: days shown, merged through their week, hidden or empty; estimates and baseline."""

from __future__ import annotations

from datetime import date, timedelta

from bot.mood.command import parse_mood_request
from bot.mood.estimate import Calibration, ShareSums
from bot.mood.replies import summary_text
from bot.mood.store import DayCounts, WeekCounts
from bot.mood.summary import period, summarize

MONDAY = date(2025, 3, 3)
CAL = Calibration.identity()


def sums(positive: int, negative: int, neutral: int) -> ShareSums:
    return ShareSums.of([(1, 0, 0)] * positive + [(0, 1, 0)] * negative + [(0, 0, 1)] * neutral)


def day(d: date, messages: int, authors: int, positive: int = 0, negative: int = 0) -> DayCounts:
    return DayCounts(
        d,
        messages,
        positive,
        negative,
        authors,
        sums(positive, negative, messages - positive - negative),
    )


def p(rows, first, last, weeks=(), **kw):
    return period(rows, weeks, first, last, CAL, min_authors=3, min_messages=5, **kw)


def test_days_shown_no_opinion_hidden_and_empty_are_told_apart():
    rows = [
        day(MONDAY, 10, 3, positive=4, negative=1),
        day(MONDAY + timedelta(1), 10, 4),  # nothing opinionated
        day(MONDAY + timedelta(2), 4, 9),  # enough people, too few messages
    ]
    result = p(rows, MONDAY, MONDAY + timedelta(3))
    assert [x.status for x in result.points] == ["shown", "no_opinion", "too_few", "empty"]
    assert result.messages == 24 and result.people == 9  # enough people: in the totals
    assert result.points[0].estimate.positive.share == 0.4
    assert result.points[2].estimate is None and result.points[3].counts is None


def test_a_folded_week_counts_only_closed_whole_and_with_enough_people():
    week = WeekCounts(MONDAY, 6, 0, 0, 3, sums(2, 1, 3), (MONDAY, MONDAY + timedelta(1)))
    whole = p([], MONDAY, MONDAY + timedelta(6), [week])
    assert whole.messages == 6 and whole.days_merged == 2 and whole.people == 3
    # A period that cuts the week: not merged, so sliding windows never differ by a small day.
    cut = p([], MONDAY + timedelta(1), MONDAY + timedelta(13), [week])
    assert cut.messages == 0 and cut.days_too_few == 1
    # While the week is open its days are hidden.
    still_open = p([], MONDAY, MONDAY + timedelta(6), [week], open_week=MONDAY)
    assert still_open.messages == 0 and still_open.days_too_few == 2
    assert not still_open.estimate.shown


def test_summary_estimates_with_intervals_and_compares_with_the_previous_period():
    last = MONDAY + timedelta(13)
    rows = [
        day(last - timedelta(i), 40, 4, positive=20 if i < 7 else 8, negative=4) for i in range(14)
    ]
    summary = summarize(rows, last=last, period_days=7, min_authors=3, min_messages=5)
    positive = summary.current.estimate.positive
    assert positive.share == 0.5 and positive.low < 0.5 < positive.high
    change = summary.comparison.positive
    assert round(change.difference, 2) == 0.3 and change.clear
    assert not summary.comparison.negative.clear
    text = summary_text(summary, "C1")
    assert "280 messages counted from at least 4 people" in text
    assert "about 50% positive (4" in text and "last period 20% positive" in text
    assert "positive +30 points" in text and "negative no clear change" in text


def test_a_hidden_period_says_why():
    rows = [day(MONDAY, 10, 2)]
    summary = summarize(rows, last=MONDAY, period_days=7, min_authors=3, min_messages=5)
    assert "nothing to show (hidden: fewer than 3 people)" in summary_text(summary, "C1")
    empty = summarize([], last=MONDAY, period_days=7, min_authors=3, min_messages=5)
    assert "nothing to show (no messages counted)" in summary_text(empty, "C1")


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
