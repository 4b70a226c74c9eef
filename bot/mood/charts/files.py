"""Chart images the Home tab and digests show: drawn once per channel and closed day, uploaded
as the bot's own file (``upload.upload_own_file``), and reused by file id.

A chart only changes when a new day closes, so ``chart_files`` keeps the file id per channel
and period until then.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from sqlalchemy import Engine, and_, select

from bot.mood.charts.draw import Render, render_png
from bot.mood.charts.upload import upload_own_file
from bot.mood.summary import MoodSummary
from bot.mood.workspace import Workspace
from bot.storage.engine import upsert
from bot.storage.home_schema import chart_files

log = logging.getLogger("bot.home")


def _where(workspace: Workspace, channel_id: str, period_days: int):
    return and_(
        chart_files.c.team_id == workspace.team_id,
        chart_files.c.enterprise_id == workspace.enterprise_id,
        chart_files.c.channel_id == channel_id,
        chart_files.c.period_days == period_days,
    )


def cached_chart(
    engine: Engine, workspace: Workspace, channel_id: str, summary: MoodSummary
) -> str | None:
    """The uploaded chart's file id if it shows this summary's last day, else None."""
    query = select(chart_files.c.file_id).where(
        _where(workspace, channel_id, summary.period_days),
        chart_files.c.last_day == summary.current.last,
    )
    with engine.connect() as connection:
        return connection.execute(query).scalar()


def upload_summary_chart(
    engine: Engine,
    client: WebClient,
    workspace: Workspace,
    channel_id: str,
    summary: MoodSummary,
    *,
    render: Render = render_png,
    request_id: str | None = None,
) -> str | None:
    """Draw, upload and remember the chart of one channel's summary; None if Slack refused."""
    last = summary.current.last
    png = render(summary, f"Mood, last {summary.period_days} days to {last:%b %-d}")
    file_id = upload_own_file(
        client,
        png,
        filename=f"mood-{channel_id}-{last.isoformat()}.png",
        title=f"Mood, last {summary.period_days} days",
        request_id=request_id,
    )
    if not file_id:
        return None
    insert = upsert(engine)(chart_files).values(
        team_id=workspace.team_id,
        enterprise_id=workspace.enterprise_id,
        channel_id=channel_id,
        period_days=summary.period_days,
        last_day=last,
        file_id=file_id,
    )
    insert = insert.on_conflict_do_update(
        index_elements=["team_id", "enterprise_id", "channel_id", "period_days"],
        set_={"last_day": insert.excluded.last_day, "file_id": insert.excluded.file_id},
    )
    with engine.begin() as connection:
        connection.execute(insert)
    return file_id
