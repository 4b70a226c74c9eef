"""Slack requests for the tests: the console's builders plus the interactivity payloads.

``bot.console.slack_requests`` holds what the console (and the benchmark) sends; shortcuts and
Home-tab buttons are only sent by tests, so their payloads live here.
"""

from __future__ import annotations

import itertools
import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

from bot.console.slack_requests import (
    app_home_opened_event,
    app_mention_event,
    event_callback,
    form_body,
    json_body,
    message_event,
    new_event_id,
    new_ts,
    sign,
    slash_command,
)

__all__ = [
    "app_home_opened_event",
    "app_mention_event",
    "block_actions",
    "event_callback",
    "form_body",
    "interactive_body",
    "json_body",
    "message_action",
    "message_event",
    "new_event_id",
    "new_ts",
    "sign",
    "slash_command",
]

_counter = itertools.count(1)


def interactive_body(payload: dict[str, Any]) -> str:
    """An interactivity request body as Slack POSTs it: form field ``payload`` holding JSON."""
    return urlencode({"payload": json.dumps(payload)})


def message_action(
    message: dict[str, Any],
    *,
    response_url: str,
    callback_id: str = "analyze_sentiment",
    channel_id: str = "C0000GEN",
    user_id: str = "UHUMAN001",
    team_id: str = "T0000FAKE",
) -> dict[str, Any]:
    """A message shortcut (``message_action``) payload, as Slack sends it when someone uses it."""
    return {
        "type": "message_action",
        "token": "legacy-verification-token",
        "action_ts": f"{time.time():.6f}",
        "team": {"id": team_id, "domain": "fake"},
        "user": {"id": user_id, "username": "someone", "team_id": team_id, "name": "someone"},
        "channel": {"id": channel_id, "name": "general"},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": f"{next(_counter)}.{uuid.uuid4().hex[:10]}",
        "response_url": response_url,
        "message_ts": message.get("ts"),
        "message": message,
    }


def block_actions(
    action_id: str,
    *,
    value: str = "",
    user_id: str = "UHUMAN001",
    team_id: str = "T0000FAKE",
    view_type: str = "home",
) -> dict[str, Any]:
    """A ``block_actions`` payload for one button clicked in a view (the Home tab by default)."""
    return {
        "type": "block_actions",
        "team": {"id": team_id, "domain": "fake"},
        "user": {"id": user_id, "username": "someone", "team_id": team_id, "name": "someone"},
        "api_app_id": "A0000FAKE",
        "token": "legacy-verification-token",
        "container": {"type": "view", "view_id": "V0000HOME"},
        "trigger_id": f"{next(_counter)}.{uuid.uuid4().hex[:10]}",
        "is_enterprise_install": False,
        "enterprise": None,
        "view": {"id": "V0000HOME", "type": view_type, "team_id": team_id, "blocks": []},
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "home_actions",
                "value": value,
                "action_ts": f"{time.time():.6f}",
                "text": {"type": "plain_text", "text": action_id},
            }
        ],
    }
