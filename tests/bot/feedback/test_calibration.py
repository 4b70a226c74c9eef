"""Over- or under-confident: the mean stated confidence against the agreement's 90% interval."""

from __future__ import annotations

import pytest

from bot.feedback.calibration import ConfidenceFit, FeedbackTotals, assess, home_line, wilson


def test_wilson_matches_a_known_value():
    low, high = wilson(81, 263, z=1.959963984540054)  # Wilson's 95% for 81/263: 0.255..0.366
    assert low == pytest.approx(0.2553, abs=1e-3) and high == pytest.approx(0.3662, abs=1e-3)


@pytest.mark.parametrize(("k", "n"), [(0, 10), (10, 10), (0, 1), (1, 1), (37, 50)])
def test_wilson_stays_inside_zero_one_and_holds_the_rate(k, n):
    low, high = wilson(k, n)
    assert 0 <= low <= k / n <= high <= 1


def totals(agreed, rated, stated):
    return FeedbackTotals(rated, agreed, stated * rated)


@pytest.mark.parametrize(
    ("agreed", "rated", "stated", "expected"),
    [
        (60, 100, 0.95, ConfidenceFit.OVER),
        (95, 100, 0.55, ConfidenceFit.UNDER),
        (75, 100, 0.75, ConfidenceFit.ABOUT_RIGHT),
        (41, 50, 0.85, ConfidenceFit.ABOUT_RIGHT),  # 82% with n=50: 0.85 is inside
        (10, 49, 0.95, None),  # below the minimum: too few to say
    ],
)
def test_assessment(agreed, rated, stated, expected):
    assert assess(totals(agreed, rated, stated), 50) is expected


def test_home_line_wording():
    assert "No one has rated" in home_line(FeedbackTotals(), 50)
    few = home_line(totals(7, 10, 0.9), 50)
    assert few.startswith("People agreed with 7 of 10 rated verdicts here.")
    assert "With 50 ratings" in few and "confident" not in few.replace("confidence", "")
    over = home_line(totals(600, 1000, 0.95), 50)
    assert over.startswith("People agreed with 600 of 1,000 rated verdicts here.")
    assert "*over-confident*" in over and "95%" in over and "60%" in over
    assert "*under-confident*" in home_line(totals(95, 100, 0.55), 50)
    assert "*about right*" in home_line(totals(75, 100, 0.75), 50)
