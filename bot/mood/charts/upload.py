"""Uploading a chart PNG with Slack's upload flow (``files.getUploadURLExternal``, the POST,
``files.completeUploadExternal``: slack_sdk's ``files_upload_v2``), in its two forms.

- ``share_chart``: into a channel or the asker's DM, with a comment (``/sentiment mood``); a
  slash command's ephemeral answer cannot carry a file.
- ``upload_own_file``: without a channel, so the file is the bot's private file and shows
  wherever the bot puts it in a ``slack_file`` image block (Home tab, digests).
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


def upload_own_file(
    client: WebClient, png: bytes, *, filename: str, title: str, request_id: str | None
) -> str | None:
    """Upload ``png`` as the bot's own file (shared nowhere); its file id, None if refused."""
    ok, response = slack_api.call(
        "files.upload_v2",
        lambda: client.files_upload_v2(content=png, filename=filename, title=title),
        event_id=request_id,
    )
    if not ok:
        return None
    files = response.get("files") or [response.get("file") or {}]
    return (files[0] or {}).get("id") or None
