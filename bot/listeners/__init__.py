"""One module per Slack surface, each with a ``register(app, deps)`` like Bolt's starter apps."""

from __future__ import annotations

from slack_bolt import App

from bot.deps import Deps
from bot.listeners import (
    commands,
    feedback,
    home,
    mentions,
    messages,
    other_events,
    shortcuts,
    uninstall,
)


def register_listeners(app: App, deps: Deps) -> None:
    """Attach every surface's listeners to ``app``."""
    commands.register(app, deps)
    mentions.register(app, deps)
    messages.register(app, deps)
    shortcuts.register(app, deps)
    home.register(app, deps)
    feedback.register(app, deps)
    uninstall.register(app, deps)  # multi-workspace mode only
    other_events.register(app, deps)  # last: whatever the others did not take
