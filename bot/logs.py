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

FORMAT = "%(asctime)s %(levelname)s pid=%(process)d %(name)s %(message)s"
LOG_FORMATS = ("text", "json")

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


_KEY = re.compile(r"[a-z_][a-z0-9_.]{0,63}")
_NUMBER = re.compile(r"-?\d{1,18}(\.\d+)?")


def _value(raw: str) -> object:
    if _NUMBER.fullmatch(raw):
        return float(raw) if "." in raw else int(raw)
    return raw


def fields_of(message: str) -> dict[str, object]:
    """A ``name key=value ...`` line as ``{"event": name, key: value, ...}``.

    Words that are neither (gunicorn's prose, a parenthesised remark) go to ``message``.
    """
    out: dict[str, object] = {}
    rest: list[str] = []
    for n, word in enumerate(message.split(" ")):
        key, eq, value = word.partition("=")
        if n == 0 and not eq and _KEY.fullmatch(word):
            out["event"] = word
        elif eq and _KEY.fullmatch(key) and key not in _RESERVED:
            out[key] = _value(value)
        elif word:
            rest.append(word)
    if rest:
        out["message"] = " ".join(rest)
    return out


_RESERVED = frozenset({"time", "level", "pid", "logger", "event", "message", "exc"})


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, pid, logger, then the line's own fields.

    The same scrubbing as the text format applies to every string (URL paths, control
    characters), so ``LOG_FORMAT=json`` carries no more than the text lines do.
    """

    def format(self, record: logging.LogRecord) -> str:
        import json
        from datetime import UTC, datetime

        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string: its template only
            message = str(record.msg)
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "pid": record.process,
            "logger": record.name,
        }
        line.update(fields_of(scrub(message)))
        if record.exc_info:
            line["exc"] = scrub(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=True, default=str)


def make_formatter(log_format: str = "text") -> logging.Formatter:
    """The formatter for ``LOG_FORMAT`` (``text`` or ``json``), for the bot and gunicorn."""
    return JsonFormatter() if log_format == "json" else ScrubFormatter(FORMAT)


def id_field(delivery_id: str | None) -> str:
    """What a delivery id is, for its log field: ``event_id`` (``Ev...``) or ``trigger_id``.

    Slash commands, shortcuts and buttons carry a ``trigger_id`` (``123.456.abc``) where events
    carry an ``event_id``; logging one under the other's name sends an operator to the wrong id.
    """
    return "trigger_id" if delivery_id and not delivery_id.startswith("Ev") else "event_id"


def scrub_logger(name: str) -> logging.Logger:
    """The logger ``name`` with a ``ScrubFilter`` on it (added once)."""
    logger = logging.getLogger(name)
    if not any(isinstance(f, ScrubFilter) for f in logger.filters):
        logger.addFilter(ScrubFilter())
    return logger


def configure_logging(level: str = "INFO", stream=None, log_format: str = "text") -> None:
    """Send logs to stderr (or ``stream``) at ``level``, payload loggers at INFO or above."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(make_formatter(log_format))
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
