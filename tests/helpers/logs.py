"""The bot's own logging at DEBUG into a string, put back as it was afterwards."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from bot.logs import configure_logging

# Loggers whose level configure_logging (or a test) changes.
TOUCHED = ("slack_sdk", "slack_bolt", "bot.slack_sdk", "bot.bolt", "websockets", "alembic")


@contextmanager
def debug_log_stream(log_format: str = "text") -> Iterator[io.StringIO]:
    """Every log line the app writes, at the most verbose level the bot allows."""
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    saved_levels = {name: logging.getLogger(name).level for name in TOUCHED}
    stream = io.StringIO()
    configure_logging("DEBUG", stream=stream, log_format=log_format)
    logging.getLogger("websockets").setLevel(logging.WARNING)  # the tests' own Slack stand-in
    try:
        yield stream
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved_handlers:
            root.addHandler(handler)
        root.setLevel(saved_level)
        for name, level in saved_levels.items():
            logging.getLogger(name).setLevel(level)
