"""Is the bot over- or under-confident in a workspace? Agreement against stated confidence.

People agreed with ``agreed`` of ``rated`` verdicts; the bot stated, on average, the confidence
``mean_stated`` (each rating's bucket middle). If the verdicts were calibrated the agreement
rate would match the stated confidence, so: when the mean stated confidence lies above the
Wilson 90% interval of the agreement rate the bot is over-confident here, below it
under-confident, inside it about right. Ratings are few and self-selected (people who disagree
may press more often), so this is a hint shown only with ``FEEDBACK_MIN_RATINGS`` ratings.
Pure Python: no database.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

Z_90 = 1.6448536269514722  # two-sided 90%: the 5% and 95% points of the standard normal


class ConfidenceFit(StrEnum):
    OVER = "over"
    UNDER = "under"
    ABOUT_RIGHT = "about_right"


@dataclass(frozen=True)
class FeedbackTotals:
    """A workspace's ratings, summed over verdicts and buckets."""

    rated: int = 0
    agreed: int = 0
    stated_sum: float = 0.0  # sum over ratings of the stated confidence (bucket middles)

    @property
    def mean_stated(self) -> float:
        return self.stated_sum / self.rated if self.rated else 0.0


def wilson(successes: int, trials: int, z: float = Z_90) -> tuple[float, float]:
    """The Wilson score interval of a proportion (sensible at 0, 1 and small samples)."""
    if trials <= 0:
        return 0.0, 1.0
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    low = 0.0 if successes <= 0 else max(0.0, centre - half)
    high = 1.0 if successes >= trials else min(1.0, centre + half)  # exact at 0 and n
    return low, high


def assess(totals: FeedbackTotals, min_ratings: int) -> ConfidenceFit | None:
    """Over, under or about right; None below ``min_ratings`` ratings (too few to say)."""
    if totals.rated < max(1, min_ratings):
        return None
    low, high = wilson(totals.agreed, totals.rated)
    if totals.mean_stated > high:
        return ConfidenceFit.OVER
    if totals.mean_stated < low:
        return ConfidenceFit.UNDER
    return ConfidenceFit.ABOUT_RIGHT


def _pct(value: float) -> str:
    return f"{round(value * 100)}%"


def home_line(totals: FeedbackTotals, min_ratings: int) -> str:
    """The Home tab's feedback line for the workspace (mrkdwn)."""
    if totals.rated == 0:
        return (
            "No one has rated a verdict here yet: the \U0001f44d/\U0001f44e under my answers "
            "tell me whether I got it right."
        )
    line = f"People agreed with {totals.agreed:,} of {totals.rated:,} rated verdicts here."
    verdict = assess(totals, min_ratings)
    if verdict is None:
        return line + (
            f" With {min_ratings:,} ratings I'll say whether my confidence is about right here."
        )
    low, high = wilson(totals.agreed, totals.rated)
    compared = (
        f" I stated {_pct(totals.mean_stated)} confidence on average; people agreed "
        f"{_pct(totals.agreed / totals.rated)} of the time (90% interval "
        f"{_pct(low)}\u2013{_pct(high)}),"
    )
    ending = {
        ConfidenceFit.OVER: " so I'm *over-confident* here: trust my percentages less.",
        ConfidenceFit.UNDER: " so I'm *under-confident* here: I'm right more often than I say.",
        ConfidenceFit.ABOUT_RIGHT: " so my confidence is *about right* here.",
    }[verdict]
    return line + compared + ending
