"""The local console: try the bot in a terminal against a fake Slack, no workspace needed."""

from __future__ import annotations

from bot.console.console import run_console

__all__ = ["run_console"]
