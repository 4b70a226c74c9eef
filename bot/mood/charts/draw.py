"""The mood chart as a PNG: estimated shares with their intervals above, volume and people below.

Drawn for Slack's preview (a message shows images about 360-500 px wide): a wide 1200x750 image
with large type and two colours that stay apart for colour-blind readers (blue positive, orange
negative).

- Top: each shown day's estimated positive and negative share (dots) with its 90% interval
  (bars); the period's estimate as a solid line with its interval as a band; the previous
  period as a dashed line (the baseline).
- Bottom: messages counted per day (bars) and people per day (dots), whole-number ticks.
- Days are told apart: hidden for too few people (grey band, labelled), counted only within
  their week (light grey band), nothing opinionated (hollow bar), no messages (nothing drawn).

``has_chart`` says whether there is anything to draw: an empty channel gets no chart at all.
matplotlib is imported inside ``render_png``, so the bot's start never pays for it.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable

from bot.mood.replies import TOO_WIDE
from bot.mood.summary import MoodSummary

Render = Callable[[MoodSummary, str], bytes]  # what draws: ``render_png`` or a test's stand-in

POSITIVE_COLOUR = "#2c7bb6"
NEGATIVE_COLOUR = "#e66101"
VOLUME_COLOUR = "#7f7f7f"
PEOPLE_COLOUR = "#222222"
HIDDEN_COLOUR = "#cfcfcf"
MERGED_COLOUR = "#ececec"
WIDTH_IN, HEIGHT_IN, DPI = 8.0, 5.0, 150

_lock = threading.Lock()  # matplotlib's font cache and text layout are not thread-safe


def has_chart(summary: MoodSummary) -> bool:
    """Whether the period has any day with numbers: no chart for nothing."""
    return any(p.has_numbers for p in summary.current.points)


def _classes_to_draw(summary: MoodSummary) -> list[tuple[str, str]]:
    """The polar classes whose period interval says something (the reply says why not)."""
    out = []
    by_class = summary.current.estimate.by_class()
    for name, colour in (("positive", POSITIVE_COLOUR), ("negative", NEGATIVE_COLOUR)):
        value = by_class.get(name)
        if value is not None and value.width <= TOO_WIDE:
            out.append((name, colour))
    return out


def render_png(summary: MoodSummary, title: str) -> bytes:
    """The chart of ``summary.current`` as PNG bytes (call only when ``has_chart``)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    points = summary.current.points
    xs = list(range(len(points)))
    with _lock:
        figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
        FigureCanvasAgg(figure)
        top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=(3, 2))
        for axes in (top, bottom):
            for i, p in enumerate(points):
                if p.status in {"too_few", "merged"}:
                    colour = HIDDEN_COLOUR if p.status == "too_few" else MERGED_COLOUR
                    axes.axvspan(i - 0.5, i + 0.5, color=colour, linewidth=0, zorder=0)
            for side in ("top", "right"):
                axes.spines[side].set_visible(False)
            axes.tick_params(labelsize=10)

        handles = []
        highest = 0.0
        period = summary.current.estimate.by_class()
        before = summary.previous.estimate.by_class()
        for offset, (name, colour) in zip((-0.12, 0.12), _classes_to_draw(summary), strict=False):
            days = [(i, p.estimate.by_class()[name]) for i, p in enumerate(points) if p.has_numbers]
            if days:
                top.errorbar(
                    [i + offset for i, _ in days],
                    [v.share * 100 for _, v in days],
                    yerr=[
                        [(v.share - v.low) * 100 for _, v in days],
                        [(v.high - v.share) * 100 for _, v in days],
                    ],
                    fmt="o",
                    color=colour,
                    markersize=4,
                    elinewidth=1,
                    alpha=0.8,
                    zorder=3,
                )
                highest = max(highest, *(v.high for _, v in days))
            value = period[name]
            top.axhspan(value.low * 100, value.high * 100, color=colour, alpha=0.12, zorder=1)
            top.axhline(value.share * 100, color=colour, linewidth=2, zorder=2)
            highest = max(highest, value.high)
            handles.append(Patch(color=colour, label=f"{name}: {round(value.share * 100)}%"))
            if name in before:
                top.axhline(before[name].share * 100, color=colour, linewidth=1.2, linestyle="--")
        top.set_ylim(0, min(100, max(10.0, highest * 100 * 1.1)))
        top.yaxis.set_major_formatter(PercentFormatter(decimals=0))
        top.set_ylabel("share of messages", fontsize=10)
        if not handles:
            top.text(
                0.5,
                0.5,
                "shares too uncertain to draw (see the numbers)",
                transform=top.transAxes,
                ha="center",
                va="center",
                fontsize=11,
            )

        messages = [p.counts.messages if p.counts else 0 for p in points]
        people = [p.counts.authors if p.counts else None for p in points]
        opinion = [p.status == "shown" for p in points]
        bottom.bar(
            xs,
            messages,
            width=0.8,
            color=[VOLUME_COLOUR if o else "white" for o in opinion],
            edgecolor=VOLUME_COLOUR,
            zorder=2,
        )
        bottom.plot(
            [x for x, n in zip(xs, people, strict=True) if n is not None],
            [n for n in people if n is not None],
            "o",
            color=PEOPLE_COLOUR,
            markersize=4,
            zorder=3,
        )
        bottom.set_ylim(0, max(1, *messages, *(n or 0 for n in people)) * 1.15)
        bottom.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
        bottom.set_ylabel("per day", fontsize=10)
        bottom.set_xlim(-0.5, len(points) - 0.5)
        step = max(1, len(points) // 6)
        ticks = list(range(len(points) - 1, -1, -step))[::-1]
        bottom.set_xticks(ticks, [f"{points[i].day:%b %-d}" for i in ticks])

        handles += [
            Patch(color=VOLUME_COLOUR, label="messages"),
            bottom.plot([], [], "o", color=PEOPLE_COLOUR, label="people")[0],
            Patch(facecolor="white", edgecolor=VOLUME_COLOUR, label="nothing opinionated"),
            Patch(color=HIDDEN_COLOUR, label=f"hidden: < {summary.min_authors} people"),
        ]
        if any(p.status == "merged" for p in points):
            handles.append(Patch(color=MERGED_COLOUR, label="in its week only"))
        figure.legend(
            handles=handles,
            loc="upper center",
            ncols=min(4, len(handles)),
            frameon=False,
            fontsize=9,
            bbox_to_anchor=(0.5, 0.94),
        )
        figure.suptitle(title, fontsize=14, fontweight="bold", y=0.995)
        figure.subplots_adjust(left=0.1, right=0.97, top=0.78, bottom=0.07, hspace=0.12)
        out = io.BytesIO()
        figure.savefig(out, format="png", dpi=DPI)
    return out.getvalue()
