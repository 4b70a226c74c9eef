"""Logging setup: one line per record, and third-party debug output kept off.

At DEBUG, slack_sdk and Bolt log whole request and response bodies, which contain message
text; the bot's rule is ids, timings and error codes only, so their loggers never go below
INFO whatever ``LOG_LEVEL`` says.

Two more guards apply to every line: URLs lose their path and query (a slash command's
``response_url`` lets anyone who holds it post as the app for 30 minutes, and slack_sdk logs it
when it retries a post), except Web API method URLs like ``.../api/chat.postMessage``; and
control characters are escaped, so nothing a request carries can start a forged log line.
"""

from __future__ import annotations

import logging
import re
import sys

# Loggers that can print payloads at DEBUG: slack_sdk's and Bolt's own, and the names the bot
# gives them (bot.slack_sdk for its WebClient, bot.bolt for the App's framework logger).
PAYLOAD_LOGGERS = ("slack_sdk", "slack_bolt", "bot.slack_sdk", "bot.bolt")
# Libraries that narrate routine work at INFO (Alembic lists its plugins on every start).
CHATTY_LOGGERS = ("alembic",)

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"

_URL = re.compile(r"\b(?:https?|wss?)://([^/\s'\"<>]{1,255})(/[^\s'\"<>]*)?", re.I)
_API_PATH = re.compile(r"/api/[A-Za-z0-9_.]{1,64}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")


def _redact_url(match: re.Match[str]) -> str:
    scheme = match.group(0).split("://", 1)[0]
    path = match.group(2) or ""
    api = _API_PATH.match(path)
    if api:
        return f"{scheme}://{match.group(1)}{api.group(0)}"
    return f"{scheme}://{match.group(1)}/[redacted]" if path else match.group(0)


def scrub(text: str) -> str:
    """``text`` safe for one log line: URL paths redacted, control characters escaped."""
    text = _URL.sub(_redact_url, text)
    return _CONTROL.sub(lambda m: repr(m.group(0))[1:-1], text)


class ScrubFilter(logging.Filter):
    """Rewrite each record of the logger it sits on through ``scrub`` (for slack_sdk's and
    Bolt's loggers, whatever handler ends up writing them)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string: keep the record as it is
            return True
        record.msg, record.args = scrub(message), None
        return True


class ScrubFormatter(logging.Formatter):
    """The bot's line format, scrubbed; a traceback, if any, stays on the same line."""

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


def scrub_logger(name: str) -> logging.Logger:
    """The logger ``name`` with a ``ScrubFilter`` on it (added once)."""
    logger = logging.getLogger(name)
    if not any(isinstance(f, ScrubFilter) for f in logger.filters):
        logger.addFilter(ScrubFilter())
    return logger


def configure_logging(level: str = "INFO", stream=None) -> None:
    """Send logs to stderr (or ``stream``) at ``level``, payload loggers at INFO or above."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(ScrubFormatter(FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    numeric = logging.getLevelName(level.upper())
    root.setLevel(numeric)
    for name in PAYLOAD_LOGGERS:
        scrub_logger(name).setLevel(max(numeric, logging.INFO))
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(max(numeric, logging.WARNING))
