"""Events the app subscribes to no listener for: acknowledged and logged, never answered.

Bolt answers an event no listener matches with a 404 (HTTP) or no ack at all (Socket Mode),
and Slack then redelivers it and counts the failures against the app. This listener is
registered last, matches any event type, and only logs its type.
"""

from __future__ import annotations

import re

from slack_bolt import App

from bot.deps import Deps, handling


def _type_name(value: object) -> str:
    text = value if isinstance(value, str) else ""
    return "".join(ch for ch in text[:60] if ch.isascii() and (ch.isalnum() or ch in "._-"))


def register(app: App, deps: Deps) -> None:
    """Catch every event type the surfaces before it did not take."""

    @app.event(re.compile(".*"))
    def on_other_event(body: dict, event: dict) -> None:
        channel = event.get("channel")
        channel = channel if isinstance(channel, str) else None  # some events carry an object
        with handling("other", body.get("event_id"), _type_name(channel)) as outcome:
            outcome.set("skipped", f"not_subscribed={_type_name(event.get('type'))}")
