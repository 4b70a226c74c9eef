"""Uploading a file with Slack's upload flow (``files.getUploadURLExternal``, the POST,
``files.completeUploadExternal``: slack_sdk's ``files_upload_v2``) into a channel or the asker's
DM, with a comment: the 90-day chart PNG of ``/sentiment mood`` and the CSV of ``mood export``
(a slash command's ephemeral answer cannot carry a file). Nothing is uploaded without a channel:
such a file is the bot's private file, which not every viewer could see; the Home tab and digests
use data visualization blocks instead (``blocks``).
"""

from __future__ import annotations

from slack_sdk import WebClient

from bot.slack import web_api as slack_api


def share_chart(
    client: WebClient,
    data: bytes,
    *,
    channel: str,
    filename: str,
    title: str,
    alt_text: str,
    comment: str,
    request_id: str | None,
) -> bool:
    """Upload ``data`` (a chart PNG, or the export's CSV) and share it in ``channel`` (a DM or
    a channel) with ``comment``."""
    ok, _ = slack_api.call(
        "files.upload_v2",
        lambda: client.files_upload_v2(
            channel=channel,
            file=data,
            filename=filename,
            title=title,
            alt_txt=alt_text[:1000],
            initial_comment=comment,
        ),
        event_id=request_id,
    )
    return ok
