"""Requests shaped the way Slack sends them, signed with a signing secret.

The console uses these to drive the real Bolt app (signature check included) from typed
lines; the tests and the benchmark use them to send what Slack would send over HTTP or Socket
Mode. The interactivity payloads only the tests send live in ``tests/helpers/slack_requests.py``.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

_counter = itertools.count(1)


def sign(secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    """Headers for a signed Slack request (v0 HMAC-SHA256 over ``v0:timestamp:body``)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def new_event_id() -> str:
    return f"Ev{uuid.uuid4().hex[:12].upper()}"


def new_ts() -> str:
    """A message timestamp, unique within this process."""
    return f"{int(time.time())}.{next(_counter):06d}"


def event_callback(
    event: dict[str, Any],
    *,
    event_id: str | None = None,
    team_id: str = "T0000FAKE",
    api_app_id: str = "A0000FAKE",
) -> dict[str, Any]:
    """The Events API envelope around one event (as in HTTP mode and Socket Mode payloads)."""
    return {
        "token": "legacy-verification-token",
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or new_event_id(),
        "event_time": int(time.time()),
        "authorizations": [{"team_id": team_id, "user_id": "UBOT0001", "is_bot": True}],
    }


def message_event(
    text: str,
    *,
    channel: str = "C0000GEN",
    user: str = "UHUMAN001",
    ts: str | None = None,
    channel_type: str = "channel",
    **extra: Any,
) -> dict[str, Any]:
    """A ``message`` event as delivered for ``message.channels``."""
    stamp = ts or new_ts()
    event = {
        "type": "message",
        "channel": channel,
        "user": user,
        "text": text,
        "ts": stamp,
        "channel_type": channel_type,
        "event_ts": stamp,
    }
    event.update(extra)
    return event


def app_mention_event(
    text: str,
    *,
    channel: str = "C0000GEN",
    user: str = "UHUMAN001",
    ts: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """An ``app_mention`` event; ``text`` should contain ``<@BOT_USER_ID>``."""
    stamp = ts or new_ts()
    event = {
        "type": "app_mention",
        "channel": channel,
        "user": user,
        "text": text,
        "ts": stamp,
        "event_ts": stamp,
    }
    event.update(extra)
    return event


def slash_command(
    text: str,
    *,
    response_url: str,
    command: str = "/sentiment",
    channel_id: str = "C0000GEN",
    user_id: str = "UHUMAN001",
    team_id: str = "T0000FAKE",
    channel_name: str = "general",
    user_name: str = "someone",
) -> dict[str, str]:
    """The form fields of a slash command invocation."""
    return {
        "token": "legacy-verification-token",
        "team_id": team_id,
        "team_domain": "fake",
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name,
        "command": command,
        "text": text,
        "api_app_id": "A0000FAKE",
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": f"{next(_counter)}.{uuid.uuid4().hex[:10]}",
    }


def json_body(payload: dict[str, Any]) -> str:
    return json.dumps(payload)


def form_body(fields: dict[str, str]) -> str:
    return urlencode(fields)


def app_home_opened_event(
    *, user: str = "UHUMAN001", channel: str = "D0000HOME", tab: str = "home"
) -> dict[str, Any]:
    """An ``app_home_opened`` event (the viewer opened the app's Home tab)."""
    return {
        "type": "app_home_opened",
        "user": user,
        "channel": channel,
        "tab": tab,
        "event_ts": f"{time.time():.6f}",
    }
