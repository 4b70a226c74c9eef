"""Logging setup: one line per record, and third-party debug output kept off.

At DEBUG, slack_sdk and Bolt log whole request and response bodies, which contain message
text; the bot's rule is ids, timings and error codes only, so their loggers never go below
INFO whatever ``LOG_LEVEL`` says.
"""

from __future__ import annotations

import logging
import sys

# Loggers that can print payloads at DEBUG: slack_sdk's and Bolt's own, and the names the bot
# gives them (bot.slack_sdk for its WebClient, bot.bolt for the App's framework logger).
PAYLOAD_LOGGERS = ("slack_sdk", "slack_bolt", "bot.slack_sdk", "bot.bolt")

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def configure_logging(level: str = "INFO", stream=None) -> None:
    """Send logs to stderr (or ``stream``) at ``level``, payload loggers at INFO or above."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    numeric = logging.getLevelName(level.upper())
    root.setLevel(numeric)
    for name in PAYLOAD_LOGGERS:
        logging.getLogger(name).setLevel(max(numeric, logging.INFO))
