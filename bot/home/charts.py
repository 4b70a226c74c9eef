"""Chart images the Home tab and digests show: drawn once per channel and closed day, uploaded
as the bot's own file, and reused by file id.

The upload uses Slack's current flow (``files.getUploadURLExternal``, the upload,
``files.completeUploadExternal``; slack_sdk's ``files_upload_v2``) without a channel, so the
file is the bot's private file and appears wherever the bot shows it in a ``slack_file`` image
block. A chart only changes when a new day closes, so ``chart_files`` keeps the file id per
channel and period until then.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_sdk import WebClient
from sqlalchemy import Engine, and_, select

from bot.mood.store import Workspace
from bot.mood.summary import MoodSummary
from bot.slack import web_api as slack_api
from bot.storage.engine import upsert
from bot.storage.home_schema import chart_files

log = logging.getLogger("bot.home")

Render = Callable[[MoodSummary, str], bytes]


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


def default_render(summary: MoodSummary, title: str) -> bytes:
    from bot.mood.chart import render_png  # matplotlib: imported only when a chart is drawn

    return render_png(summary, title)


def upload_chart(
    engine: Engine,
    client: WebClient,
    workspace: Workspace,
    channel_id: str,
    summary: MoodSummary,
    *,
    render: Render = default_render,
    request_id: str | None = None,
) -> str | None:
    """Draw, upload and remember the chart of one channel's summary; None if Slack refused."""
    last = summary.current.last
    png = render(summary, f"Mood, last {summary.period_days} days to {last:%b %-d}")
    ok, response = slack_api.call(
        "files.upload_v2",
        lambda: client.files_upload_v2(
            content=png,
            filename=f"mood-{channel_id}-{last.isoformat()}.png",
            title=f"Mood, last {summary.period_days} days",
        ),
        event_id=request_id,
    )
    if not ok:
        return None
    files = response.get("files") or [response.get("file") or {}]
    file_id = (files[0] or {}).get("id")
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
