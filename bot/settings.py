"""The bot's settings: read once from the environment and ``.env``, validated, then frozen.

Every setting has a default here and a line in ``.env.example``. Validation raises
``SettingsError`` with one line that names the variable and says how to fix it, because that
line is all a person starting the bot sees.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from model.verdict import VerdictRule

DEFAULT_SLACK_API_URL = "https://slack.com/api/"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class SettingsError(ValueError):
    """A setting is missing or wrong; the message is the one line to show the user."""


@dataclass(frozen=True)
class Settings:
    """Everything the bot can be told; the defaults are the documented ones."""

    slack_bot_token: str = ""
    slack_signing_secret: str = ""
    slack_app_token: str = ""
    slack_api_url: str = DEFAULT_SLACK_API_URL
    host: str = "0.0.0.0"
    port: int = 3000
    model_path: str = ""
    sentiment_command: str = "/sentiment"
    # Reactions to channel messages.
    reactions_enabled: bool = True
    reaction_threshold: float = 0.8
    min_known_words: int = 3
    min_known_share: float = 0.5
    positive_emoji: str = "slightly_smiling_face"
    negative_emoji: str = "slightly_frowning_face"
    reaction_channels: frozenset[str] = field(default_factory=frozenset)
    reaction_channels_deny: frozenset[str] = field(default_factory=frozenset)
    react_in_threads: bool = True
    # Delivery.
    redis_url: str = ""
    process_slack_retries: bool = True
    dedupe_ttl_seconds: int = 3600
    slack_timeout_seconds: float = 10.0
    slack_max_retry_wait_seconds: float = 30.0
    listener_threads: int = 8
    log_level: str = "INFO"
    # The database and the mood record (bot/storage, bot/mood).
    database_url: str = ""
    mood_tracking: bool = True
    mood_timezone: str = "UTC"
    mood_min_authors: int = 3
    mood_min_messages: int = 5
    mood_retention_days: int = 400
    mood_flush_seconds: float = 1.0
    mood_max_pending: int = 100_000
    # Appended: the record of handled events on this host, and shutdown.
    dedupe_db: str = ""
    graceful_timeout: int = 30
    # Weekly digests, mood-drop alerts, backfill (bot/digests, bot/backfill).
    digest_send_at: str = "mon 09:00"
    digest_catch_up_hours: float = 24.0
    digest_claim_seconds: float = 300.0
    mood_alert_z: float = 3.5
    mood_alert_min_messages: int = 40
    mood_alert_min_rise: float = 0.05
    backfill_days: int = 30
    backfill_requests_per_minute: float = 50.0
    backfill_page_size: int = 200
    feedback_min_ratings: int = 50  # ratings before the Home tab judges calibration

    @property
    def socket_mode(self) -> bool:
        """Socket Mode when an app-level token is given, HTTP mode otherwise."""
        return bool(self.slack_app_token)

    @property
    def has_slack_credentials(self) -> bool:
        return bool(self.slack_bot_token or self.slack_app_token or self.slack_signing_secret)

    @property
    def verdict_rule(self) -> VerdictRule:
        """The reaction rule these settings ask for (``REACTION_THRESHOLD``, ``MIN_KNOWN_*``)."""
        return VerdictRule(
            threshold=self.reaction_threshold,
            min_known_words=self.min_known_words,
            min_known_share=self.min_known_share,
        )

    def validate_for_slack(self) -> None:
        """Check what a real Slack connection needs; raise ``SettingsError`` with the fix."""
        if not self.slack_bot_token:
            raise SettingsError(
                "SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-...) from your "
                "Slack app's OAuth & Permissions page, or run `python -m bot --console` to try it "
                "locally"
            )
        if not self.slack_bot_token.startswith("xoxb-"):
            raise SettingsError(
                "SLACK_BOT_TOKEN must start with xoxb-: copy the Bot User OAuth Token from your "
                "Slack app's OAuth & Permissions page (not a user or app-level token)"
            )
        if self.slack_app_token:
            if not self.slack_app_token.startswith("xapp-"):
                raise SettingsError(
                    "SLACK_APP_TOKEN must start with xapp-: create an app-level token with the "
                    "connections:write scope under Basic Information > App-Level Tokens, or unset "
                    "it to use HTTP mode"
                )
        elif not self.slack_signing_secret:
            raise SettingsError(
                "SLACK_SIGNING_SECRET is not set: HTTP mode needs the Signing Secret from Basic "
                "Information > App Credentials (or set SLACK_APP_TOKEN=xapp-... for Socket Mode)"
            )


def _text(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name)
    return default if value is None else value.strip()


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    value = env.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise SettingsError(f"{name} must be true or false, not {value!r}")


def _number(env: Mapping[str, str], name: str, default, kind, low, high):
    value = env.get(name)
    if value is None or not value.strip():
        return default
    try:
        number = kind(value.strip())
    except ValueError:
        raise SettingsError(
            f"{name} must be {'an integer' if kind is int else 'a number'}, not {value!r}"
        ) from None
    if not low <= number <= high:
        raise SettingsError(f"{name} must be between {low} and {high}, not {value!r}")
    return number


_REDIS_URL_HELP = (
    "REDIS_URL must look like redis://host:6379/0 (or rediss://, unix:///path/redis.sock), or be "
    "empty to keep the record of handled events on this host"
)


def _redis_url(env: Mapping[str, str]) -> str:
    url = _text(env, "REDIS_URL", "")
    if not url:
        return url
    from urllib.parse import parse_qs, urlsplit

    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError for a port that is not a number
        query = parse_qs(parts.query, strict_parsing=bool(parts.query))
    except ValueError:
        raise SettingsError(f"{_REDIS_URL_HELP} (the port is not a number)") from None
    if parts.scheme in {"redis", "rediss"}:
        if not parts.hostname:
            raise SettingsError(f"{_REDIS_URL_HELP} (no host)")
        if port == 0:
            raise SettingsError(f"{_REDIS_URL_HELP} (port 0)")
        db = parts.path.lstrip("/") or query.get("db", ["0"])[0]
    elif parts.scheme == "unix":
        if not parts.path:
            raise SettingsError(f"{_REDIS_URL_HELP} (no socket path)")
        db = query.get("db", ["0"])[0]
    else:
        raise SettingsError(_REDIS_URL_HELP)
    if not db.isdigit():
        raise SettingsError(f"{_REDIS_URL_HELP} (the database must be a number, not {db!r})")
    return url


def _process_retries(env: Mapping[str, str]) -> bool:
    """``auto`` (or empty) = on: every supported deployment has a record that sees every delivery
    (one process: its own; gunicorn: ``DEDUPE_DB``; replicas: ``REDIS_URL``), so a redelivery is
    answered exactly when nobody answered the original."""
    value = env.get("PROCESS_SLACK_RETRIES")
    if value is None or value.strip().lower() in {"", "auto"}:
        return True
    try:
        return _bool(env, "PROCESS_SLACK_RETRIES", False)
    except SettingsError:
        raise SettingsError(
            f"PROCESS_SLACK_RETRIES must be auto, true or false, not {value!r}"
        ) from None


def _channels(env: Mapping[str, str], name: str) -> frozenset[str]:
    raw = env.get(name) or ""
    ids = frozenset(part.strip() for part in raw.replace(" ", ",").split(",") if part.strip())
    for channel in ids:
        if channel[:1] not in {"C", "G"} or not channel.isalnum():
            raise SettingsError(
                f"{name} must be a comma-separated list of channel ids like C0123ABCD "
                f"(from the channel's About tab), not {channel!r}"
            )
    return ids


def _emoji(env: Mapping[str, str], name: str, default: str) -> str:
    value = _text(env, name, default).strip(":")
    if not value or any(ch.isspace() for ch in value):
        raise SettingsError(f"{name} must be an emoji name like thumbsup, not {value!r}")
    return value


def _api_url(env: Mapping[str, str]) -> str:
    url = _text(env, "SLACK_API_URL", DEFAULT_SLACK_API_URL) or DEFAULT_SLACK_API_URL
    if not url.startswith(("http://", "https://")):
        raise SettingsError(
            f"SLACK_API_URL must be an http(s) URL like {DEFAULT_SLACK_API_URL}, not {url!r}"
        )
    return url if url.endswith("/") else url + "/"


def _timezone(env: Mapping[str, str]) -> str:
    name = _text(env, "MOOD_TIMEZONE", "UTC") or "UTC"
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(
            f"MOOD_TIMEZONE must be an IANA time zone like Europe/Berlin or UTC, not {name!r}"
        ) from None
    return name


def _database_url(env: Mapping[str, str]) -> str:
    url = _text(env, "DATABASE_URL", "")
    if url and not url.startswith(("sqlite:", "postgresql", "postgres:")):
        raise SettingsError(
            "DATABASE_URL must look like sqlite:///data/bot.sqlite3 or "
            "postgresql://user:password@host:5432/dbname, or be empty for the default SQLite file"
        )
    return url


def _send_at(env: Mapping[str, str]) -> str:
    value = _text(env, "DIGEST_SEND_AT", "mon 09:00") or "mon 09:00"
    from bot.digests.schedule import ScheduleError, parse_send_at

    try:
        parse_send_at(value)
    except ScheduleError as err:
        raise SettingsError(f"DIGEST_SEND_AT: {err}") from None
    return value


def load_env(env_file: str | os.PathLike[str] | None = ".env") -> dict[str, str]:
    """The process environment over the ``.env`` file: real env vars win, as in python-dotenv."""
    merged: dict[str, str] = {}
    if env_file and Path(env_file).is_file():
        from dotenv import dotenv_values

        merged.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    merged.update(os.environ)
    return merged


def settings_from_env(env: Mapping[str, str]) -> Settings:
    """Build validated settings from a mapping of environment variables."""
    command = _text(env, "SENTIMENT_COMMAND", "/sentiment")
    if not command.startswith("/") or len(command) < 2 or " " in command:
        raise SettingsError(f"SENTIMENT_COMMAND must look like /sentiment, not {command!r}")
    level = _text(env, "LOG_LEVEL", "INFO").upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise SettingsError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {level!r}")
    redis_url = _redis_url(env)
    settings = Settings(
        slack_bot_token=_text(env, "SLACK_BOT_TOKEN", ""),
        slack_signing_secret=_text(env, "SLACK_SIGNING_SECRET", ""),
        slack_app_token=_text(env, "SLACK_APP_TOKEN", ""),
        slack_api_url=_api_url(env),
        host=_text(env, "HOST", "0.0.0.0") or "0.0.0.0",
        port=_number(env, "PORT", 3000, int, 0, 65535),
        model_path=_text(env, "MODEL_PATH", ""),
        sentiment_command=command,
        reactions_enabled=_bool(env, "REACTIONS_ENABLED", True),
        reaction_threshold=_number(env, "REACTION_THRESHOLD", 0.8, float, 0.5, 1.0),
        min_known_words=_number(env, "MIN_KNOWN_WORDS", 3, int, 0, 1000),
        min_known_share=_number(env, "MIN_KNOWN_SHARE", 0.5, float, 0.0, 1.0),
        positive_emoji=_emoji(env, "POSITIVE_EMOJI", "slightly_smiling_face"),
        negative_emoji=_emoji(env, "NEGATIVE_EMOJI", "slightly_frowning_face"),
        reaction_channels=_channels(env, "REACTION_CHANNELS"),
        reaction_channels_deny=_channels(env, "REACTION_CHANNELS_DENY"),
        react_in_threads=_bool(env, "REACT_IN_THREADS", True),
        redis_url=redis_url,
        process_slack_retries=_process_retries(env),
        dedupe_ttl_seconds=_number(env, "DEDUPE_TTL_SECONDS", 3600, int, 1, 7 * 24 * 3600),
        slack_timeout_seconds=_number(env, "SLACK_TIMEOUT_SECONDS", 10.0, float, 0.1, 120.0),
        slack_max_retry_wait_seconds=_number(
            env, "SLACK_MAX_RETRY_WAIT_SECONDS", 30.0, float, 0, 600
        ),
        listener_threads=_number(env, "LISTENER_THREADS", 8, int, 1, 256),
        log_level=level,
        database_url=_database_url(env),
        mood_tracking=_bool(env, "MOOD_TRACKING", True),
        mood_timezone=_timezone(env),
        mood_min_authors=_number(env, "MOOD_MIN_AUTHORS", 3, int, 2, 1000),
        mood_min_messages=_number(env, "MOOD_MIN_MESSAGES", 5, int, 1, 100_000),
        mood_retention_days=_number(env, "MOOD_RETENTION_DAYS", 400, int, 2, 36500),
        mood_flush_seconds=_number(env, "MOOD_FLUSH_SECONDS", 1.0, float, 0.05, 1.0),
        mood_max_pending=_number(env, "MOOD_MAX_PENDING", 100_000, int, 1, 10_000_000),
        dedupe_db=_text(env, "DEDUPE_DB", ""),
        graceful_timeout=_number(env, "GRACEFUL_TIMEOUT", 30, int, 1, 3600),
        digest_send_at=_send_at(env),
        digest_catch_up_hours=_number(env, "DIGEST_CATCH_UP_HOURS", 24.0, float, 0.1, 24 * 7),
        digest_claim_seconds=_number(env, "DIGEST_CLAIM_SECONDS", 300.0, float, 1, 24 * 3600),
        mood_alert_z=_number(env, "MOOD_ALERT_Z", 3.5, float, 1.0, 10.0),
        mood_alert_min_messages=_number(env, "MOOD_ALERT_MIN_MESSAGES", 40, int, 1, 1_000_000),
        mood_alert_min_rise=_number(env, "MOOD_ALERT_MIN_RISE", 0.05, float, 0.0, 1.0),
        backfill_days=_number(env, "BACKFILL_DAYS", 30, int, 1, 365),
        backfill_requests_per_minute=_number(
            env, "BACKFILL_REQUESTS_PER_MINUTE", 50.0, float, 0.1, 1000.0
        ),
        backfill_page_size=_number(env, "BACKFILL_PAGE_SIZE", 200, int, 1, 999),
        feedback_min_ratings=_number(env, "FEEDBACK_MIN_RATINGS", 50, int, 1, 1_000_000),
    )
    if settings.model_path and not Path(settings.model_path).exists():
        raise SettingsError(
            f"MODEL_PATH={settings.model_path} does not exist: point it at a model artifact "
            "directory or unset it to use the shipped model"
        )
    return settings
