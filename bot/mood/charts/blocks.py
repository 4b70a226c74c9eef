"""The mood chart as Slack's native data visualization blocks (Block Kit ``data_visualization``).

Slack draws these itself (line, bar, area, pie), so a reply, the Home tab or a digest shows a
chart with no upload and no ``files:write``, visible to every viewer (an uploaded file without a
channel is the bot's private file). Limits (docs.slack.dev/reference/block-kit/blocks/
data-visualization-block): a title of at most 50 characters, 1-6 series, at most 20 categories,
at most two such blocks per message. So:

- the shares chart (line): the estimated share of each polar class per day with its 90% range as
  two more series (low, high); only days with numbers are categories, and only classes whose
  period interval means something (``TOO_WIDE``) are drawn;
- the volume chart (bar): messages and people per day, every calendar day a category (0 when a
  day is hidden or empty), so hidden and empty days stay visible as gaps;
- a context line names the days hidden for too few people, with nothing opinionated, and with
  no messages, which a chart alone cannot tell apart.

A period longer than ``MAX_CATEGORIES`` days shows its last 20 days (the reply says so); 90 days
keep the PNG (``draw``). Nothing to draw gives no blocks at all. Pure: no Slack, no database.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.mood.replies import TOO_WIDE
from bot.mood.summary import DayPoint, MoodSummary

MAX_CATEGORIES = 20
MAX_TITLE = 50


def _label(day: date) -> str:
    return f"{day:%b} {day.day}"


def _block(title: str, chart: dict[str, Any]) -> dict[str, Any]:
    return {"type": "data_visualization", "title": title[:MAX_TITLE], "chart": chart}


def shown_window(summary: MoodSummary) -> tuple[DayPoint, ...]:
    """The days the blocks show: the period's last ``MAX_CATEGORIES`` days."""
    return summary.current.points[-MAX_CATEGORIES:]


def drawable_classes(summary: MoodSummary) -> list[str]:
    """Polar classes whose period interval is narrow enough to draw."""
    values = summary.current.estimate.by_class()
    return [c for c in ("positive", "negative") if c in values and values[c].width <= TOO_WIDE]


def _percent(value: float) -> float:
    return round(value * 100, 1)


def shares_block(summary: MoodSummary) -> dict[str, Any] | None:
    """Line chart of the estimated shares per day with their 90% range, or None."""
    days = [p for p in shown_window(summary) if p.has_numbers]
    classes = drawable_classes(summary)
    if not days or not classes:
        return None
    series = []
    for name in classes:
        values = [p.estimate.by_class()[name] for p in days]  # type: ignore[union-attr]
        for suffix, pick in (("", "share"), (" low", "low"), (" high", "high")):
            series.append(
                {
                    "name": f"{name}{suffix}",
                    "data": [
                        {"label": _label(p.day), "value": _percent(getattr(v, pick))}
                        for p, v in zip(days, values, strict=True)
                    ],
                }
            )
    chart = {
        "type": "line",
        "series": series,
        "axis_config": {
            "categories": [_label(p.day) for p in days],
            "x_label": "day",
            "y_label": "% of messages (90% range)",
        },
    }
    return _block("Estimated share of messages per day, %", chart)


def volume_block(summary: MoodSummary) -> dict[str, Any] | None:
    """Bar chart of messages and people per day (hidden and empty days at 0), or None."""
    days = shown_window(summary)
    if not any(p.has_numbers for p in days):
        return None
    series = [
        {
            "name": name,
            "data": [
                {"label": _label(p.day), "value": getattr(p.counts, field) if p.counts else 0}
                for p in days
            ],
        }
        for name, field in (("messages", "messages"), ("people", "authors"))
    ]
    chart = {
        "type": "bar",
        "series": series,
        "axis_config": {
            "categories": [_label(p.day) for p in days],
            "x_label": "day",
            "y_label": "per day",
        },
    }
    return _block("Messages and people per day", chart)


def days_note(summary: MoodSummary) -> str:
    """Which of the shown days were hidden, had nothing opinionated or no messages."""
    days = shown_window(summary)
    parts = []
    for status, words in (
        ("too_few", f"hidden (fewer than {summary.min_authors} people)"),
        ("merged", "counted only within their week"),
        ("no_opinion", "nothing opinionated"),
        ("empty", "nothing stored (no messages, or too few people all week)"),
    ):
        found = [_label(p.day) for p in days if p.status == status]
        if found:
            parts.append(f"{words}: {', '.join(found)}")
    cut = len(summary.current.points) - len(days)
    head = f"Charts show the last {len(days)} days. " if cut > 0 else ""
    body = "; ".join(parts)
    return head + (body[:1].upper() + body[1:] + "." if parts else "")


def chart_blocks(summary: MoodSummary) -> list[dict[str, Any]]:
    """At most two data visualization blocks and a context line; [] when nothing to draw."""
    blocks = [b for b in (shares_block(summary), volume_block(summary)) if b is not None]
    if not blocks:
        return []
    note = days_note(summary)
    if note:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": note}]})
    return blocks
