"""The mood chart as a PNG: daily confident counts as bars, the smoothed mood line, gaps.

Drawn for Slack's preview (a message shows images about 360-500 px wide): a wide 1200x675 image
with large type, two colours that stay apart for colour-blind readers (blue positive above the
axis, orange negative below), and days under the minimum group size as plain grey bands with no
numbers. matplotlib is imported here, inside ``render_png``, so the bot's start never pays for it.
"""

from __future__ import annotations

import io
import math
import threading
from collections.abc import Callable

from bot.mood.summary import MoodSummary

Render = Callable[[MoodSummary, str], bytes]  # what draws: ``render_png`` or a test's stand-in

POSITIVE_COLOUR = "#2c7bb6"
NEGATIVE_COLOUR = "#e66101"
LINE_COLOUR = "#222222"
HIDDEN_COLOUR = "#d9d9d9"
WIDTH_IN, HEIGHT_IN, DPI = 8.0, 4.5, 150

_lock = threading.Lock()  # matplotlib's font cache and text layout are not thread-safe


def render_png(summary: MoodSummary, title: str) -> bytes:
    """The chart of ``summary.current`` as PNG bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import PolyCollection
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    points = summary.current.points
    xs = list(range(len(points)))
    positive = [p.shown.positive if p.shown else 0 for p in points]
    negative = [-p.shown.negative if p.shown else 0 for p in points]
    line = [p.smoothed_score * 100 if p.smoothed_score is not None else math.nan for p in points]
    hidden = [i for i, p in enumerate(points) if p.status in {"too_few", "merged"}]

    with _lock:
        figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
        FigureCanvasAgg(figure)
        axes = figure.add_subplot(1, 1, 1)
        for start, end in _runs(hidden):
            axes.axvspan(start - 0.5, end + 0.5, color=HIDDEN_COLOUR, linewidth=0, zorder=0)
        width = 0.8 if len(points) <= 31 else 0.9
        # One collection per colour: 180 separate bar patches cost most of the drawing time.
        for heights, colour in ((positive, POSITIVE_COLOUR), (negative, NEGATIVE_COLOUR)):
            boxes = [_box(x, h, width) for x, h in zip(xs, heights, strict=True) if h]
            axes.add_collection(PolyCollection(boxes, facecolors=colour, linewidths=0, zorder=2))
        axes.axhline(0, color="#555555", linewidth=0.8, zorder=3)
        top = max([1, *positive, *(-n for n in negative)])
        axes.set_ylim(-top * 1.15, top * 1.15)
        axes.set_ylabel("confident messages / day", fontsize=11)
        axes.yaxis.set_major_formatter(lambda value, _pos: f"{abs(value):g}")
        axes.set_xlim(-0.5, len(points) - 0.5)
        step = max(1, len(points) // 6)
        ticks = list(range(len(points) - 1, -1, -step))[::-1]
        axes.set_xticks(ticks, [f"{points[i].day:%b %-d}" for i in ticks], fontsize=11)
        axes.tick_params(axis="y", labelsize=11)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)

        mood = axes.twinx()
        mood.plot(xs, line, color=LINE_COLOUR, linewidth=2.4, zorder=4)
        mood.set_ylim(0, 100)
        mood.set_ylabel("mood (avg % positive, 7-day)", fontsize=11)
        mood.tick_params(axis="y", labelsize=11)
        mood.spines["top"].set_visible(False)

        handles = [
            Patch(color=POSITIVE_COLOUR, label="positive"),
            Patch(color=NEGATIVE_COLOUR, label="negative"),
            axes.plot([], [], color=LINE_COLOUR, linewidth=2.4, label="mood")[0],
            Patch(color=HIDDEN_COLOUR, label="not enough people"),
        ]
        figure.legend(
            handles=handles,
            loc="upper center",
            ncols=4,
            frameon=False,
            fontsize=11,
            bbox_to_anchor=(0.5, 0.93),
        )
        figure.suptitle(title, fontsize=15, fontweight="bold", y=0.99)
        figure.subplots_adjust(left=0.09, right=0.9, top=0.8, bottom=0.1)
        out = io.BytesIO()
        figure.savefig(out, format="png", dpi=DPI)
    return out.getvalue()


def _box(x: int, height: float, width: float) -> list[tuple[float, float]]:
    left, right = x - width / 2, x + width / 2
    return [(left, 0), (left, height), (right, height), (right, 0)]


def _runs(indexes: list[int]) -> list[tuple[int, int]]:
    """Consecutive indexes as (first, last) runs: one grey band per run of hidden days."""
    runs: list[tuple[int, int]] = []
    for i in indexes:
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs
