"""The bot's settings: read once from the environment and ``.env``, validated, then frozen.

Each setting is declared once, as a field of ``Settings``: its name (the environment variable
is the field name in upper case), its type (the annotation), its default (written as you would
write it in ``.env``), how it is read and checked (a parser with its range), and its help text.
``settings_from_env`` walks those fields, and ``env_example()`` writes ``.env.example`` from
them (``python -m bot.settings > .env.example``), so the code, the defaults and the documented
file cannot drift apart. Values are parsed once into typed values: ``DIGEST_SEND_AT`` is a
``SendAt``, channel lists are frozensets.

Why a declarative table in this module and not pydantic-settings: ``Settings`` stays a plain
frozen dataclass, which the rest of the code and its tests build with keywords
(``Settings(database_url=...)``) and copy with ``dataclasses.replace``; a ``BaseSettings``
would read the environment on every such construction and is no dataclass. The one-line
``SettingsError`` messages people see at startup would have to be rebuilt from pydantic's
multi-line validation errors. And it would add a dependency and its import to every cold start
(about 0.36 s to the first answer) for about forty fields whose parsers are a few lines each.
Importing this module and parsing an environment takes about 23 ms, as before the table. It
imports only the standard library, ``model.verdict`` and ``bot.schedule_time``: settings are a
lower layer and import no feature or runner.

Validation raises ``SettingsError`` with one line that names the variable and says how to fix
it, because that line is all a person starting the bot sees.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import Field, dataclass, field, fields
from pathlib import Path
from typing import Any

from bot.schedule_time import ScheduleError, SendAt, parse_send_at
from model.verdict import VerdictRule

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
# Where every process on a host keeps the record of handled events (beside data/bot.sqlite3).
DEFAULT_DEDUPE_DB = "data/handled-events.sqlite3"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class SettingsError(ValueError):
    """A setting is missing or wrong; the message is the one line to show the user."""


# A parser reads one variable's raw value (the variable's name is there for the error line).
Parser = Callable[[str, str], Any]


@dataclass(frozen=True)
class SettingSpec:
    """How one setting is read and documented; kept in its ``Settings`` field's metadata."""

    default: str  # as written in .env; the field's typed default is this, parsed
    parse: Parser
    help_text: str
    section: str  # starts a new section of .env.example when not empty
    blank_means_default: bool  # false: an empty value goes to the parser (e.g. flag= is false)


def setting(
    default: str,
    parse: Parser,
    help_text: str,
    *,
    section: str = "",
    blank_means_default: bool = True,
) -> Any:
    """Declare one setting; the dataclass default is ``default`` parsed, so the two agree."""
    spec = SettingSpec(default, parse, help_text, section, blank_means_default)
    return field(default=parse("default", default), metadata={"setting": spec})


# --- Parsers -------------------------------------------------------------------------------


def _text(name: str, raw: str) -> str:
    return raw.strip()


def _flag(name: str, raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise SettingsError(f"{name} must be true or false, not {raw!r}")


def _ranged(kind: type[int] | type[float], low: float, high: float) -> Parser:
    def parse(name: str, raw: str) -> int | float:
        try:
            number = kind(raw.strip())
        except ValueError:
            raise SettingsError(
                f"{name} must be {'an integer' if kind is int else 'a number'}, not {raw!r}"
            ) from None
        if not low <= number <= high:
            raise SettingsError(f"{name} must be between {low} and {high}, not {raw!r}")
        return number

    return parse


def _integer(low: int, high: int) -> Parser:
    return _ranged(int, low, high)


def _number(low: float, high: float) -> Parser:
    return _ranged(float, low, high)


_REDIS_URL_HELP = (
    "REDIS_URL must look like redis://host:6379/0 (or rediss://, unix:///path/redis.sock), or be "
    "empty to keep the record of handled events on this host"
)


def _redis_url(name: str, raw: str) -> str:
    url = raw.strip()
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


def _process_retries(name: str, raw: str) -> bool:
    """``auto`` (or empty) = on: every supported deployment has a record that sees every delivery
    (one process: its own; gunicorn: ``DEDUPE_DB``; replicas: ``REDIS_URL``), so a redelivery is
    answered exactly when nobody answered the original."""
    if raw.strip().lower() in {"", "auto"}:
        return True
    try:
        return _flag(name, raw)
    except SettingsError:
        raise SettingsError(f"{name} must be auto, true or false, not {raw!r}") from None


def _channels(name: str, raw: str) -> frozenset[str]:
    ids = frozenset(part.strip() for part in raw.replace(" ", ",").split(",") if part.strip())
    for channel in ids:
        if channel[:1] not in {"C", "G"} or not channel.isalnum():
            raise SettingsError(
                f"{name} must be a comma-separated list of channel ids like C0123ABCD "
                f"(from the channel's About tab), not {channel!r}"
            )
    return ids


def _emoji(name: str, raw: str) -> str:
    value = raw.strip().strip(":")
    if not value or any(ch.isspace() for ch in value):
        raise SettingsError(f"{name} must be an emoji name like thumbsup, not {value!r}")
    return value


def _api_url(name: str, raw: str) -> str:
    url = raw.strip()
    if not url.startswith(("http://", "https://")):
        raise SettingsError(
            f"{name} must be an http(s) URL like {DEFAULT_SLACK_API_URL}, not {url!r}"
        )
    return url if url.endswith("/") else url + "/"


def _command(name: str, raw: str) -> str:
    command = raw.strip()
    if not command.startswith("/") or len(command) < 2 or " " in command:
        raise SettingsError(f"{name} must look like /sentiment, not {command!r}")
    return command


def _usergroup(name: str, raw: str) -> str:
    group = raw.strip()
    if group and (group[:1] != "S" or not group.isalnum()):
        raise SettingsError(
            f"{name} must be a user group id like S0123ABCD (from the group's page in Slack), "
            f"not {group!r}"
        )
    return group


def _log_level(name: str, raw: str) -> str:
    level = raw.strip().upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise SettingsError(f"{name} must be DEBUG, INFO, WARNING or ERROR, not {level!r}")
    return level


def _log_format(name: str, raw: str) -> str:
    value = raw.strip().lower()
    if value not in {"text", "json"}:
        raise SettingsError(f"{name} must be text or json, not {raw.strip()!r}")
    return value


def _model_path(name: str, raw: str) -> str:
    path = raw.strip()
    if path and not Path(path).exists():
        raise SettingsError(
            f"{name}={path} does not exist: point it at a model artifact directory or unset it "
            "to use the shipped model"
        )
    return path


def _timezone(name: str, raw: str) -> str:
    zone = raw.strip()
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(
            f"{name} must be an IANA time zone like Europe/Berlin or UTC, not {zone!r}"
        ) from None
    return zone


def _database_url(name: str, raw: str) -> str:
    url = raw.strip()
    if url and not url.startswith(("sqlite:", "postgresql", "postgres:")):
        raise SettingsError(
            f"{name} must look like sqlite:///data/bot.sqlite3 or "
            "postgresql://user:password@host:5432/dbname, or be empty for the default SQLite file"
        )
    return url


def _client_id(name: str, raw: str) -> str:
    value = raw.strip()
    if value and not all(part.isdigit() for part in value.split(".")):
        raise SettingsError(
            f"{name} must be the app's Client ID like 1234567890.1234567890 (Basic Information "
            "> App Credentials)"
        )
    return value


def _client_secret(name: str, raw: str) -> str:
    value = raw.strip()
    if value and not value.isalnum():
        raise SettingsError(
            f"{name} must be the app's Client Secret, letters and digits only (Basic "
            "Information > App Credentials)"
        )
    return value


def _fernet_keys(name: str, raw: str) -> str:
    """Comma-separated Fernet keys (32 url-safe base64 bytes each); checked again at start."""
    import base64
    import binascii

    keys = [part.strip() for part in raw.split(",") if part.strip()]
    for number, key in enumerate(keys, start=1):
        try:
            ok = len(base64.urlsafe_b64decode(key.encode("ascii"))) == 32 and len(key) == 44
        except (binascii.Error, UnicodeEncodeError, ValueError):
            ok = False
        if not ok:
            raise SettingsError(
                f"{name} key {number} of {len(keys)} is not a Fernet key (32 url-safe base64 "
                "bytes): run `python -m bot keygen` for a new one"
            )
    return ",".join(keys)


def _redirect_uri(name: str, raw: str) -> str:
    url = raw.strip()
    if url and not url.startswith(("https://", "http://")):
        raise SettingsError(
            f"{name} must be the https:// Redirect URL registered under OAuth & Permissions, "
            "ending in /slack/oauth_redirect"
        )
    return url


def _send_at(name: str, raw: str) -> SendAt:
    try:
        return parse_send_at(raw)
    except ScheduleError as err:
        raise SettingsError(f"{name}: {err}") from None


# --- The settings --------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """Everything the bot can be told; each field is one setting, declared with ``setting``."""

    slack_bot_token: str = setting(
        "",
        _text,
        "Bot User OAuth Token (OAuth & Permissions page). Required for Slack.",
        section="Slack credentials",
    )
    slack_signing_secret: str = setting(
        "",
        _text,
        "HTTP mode (used when SLACK_APP_TOKEN is empty): Basic Information > App Credentials.",
    )
    slack_app_token: str = setting(
        "",
        _text,
        "Socket Mode: an app-level token with connections:write (Basic Information > App-Level "
        "Tokens). When set, the bot connects out over a WebSocket and needs no public URL.",
    )
    slack_api_url: str = setting(
        DEFAULT_SLACK_API_URL,
        _api_url,
        "Slack Web API base URL. Leave as is for Slack; tests and the console point it at a fake.",
    )
    slack_client_id: str = setting(
        "",
        _client_id,
        "Multi-workspace mode (docs/multi-workspace.md): Client ID and Client Secret (Basic "
        "Information > App Credentials). With both set and no SLACK_BOT_TOKEN, the bot serves "
        "/slack/install and /slack/oauth_redirect and keeps each workspace's tokens in "
        "DATABASE_URL.",
        section="Multi-workspace mode (OAuth install)",
    )
    slack_client_secret: str = setting(
        "", _client_secret, "Both unset (the default): one workspace, with SLACK_BOT_TOKEN."
    )
    slack_token_encryption_key: str = setting(
        "",
        _fernet_keys,
        "Required with SLACK_CLIENT_ID: a Fernet key (`python -m bot keygen` prints one) that "
        "encrypts the stored tokens. Several, comma-separated, rotate keys: the first encrypts, "
        "all decrypt; `python -m bot rekey` re-encrypts every token with the first.",
    )
    slack_redirect_uri: str = setting(
        "",
        _redirect_uri,
        "The Redirect URL registered under OAuth & Permissions, e.g. "
        "https://bot.example.com/slack/oauth_redirect. Empty: the one registered with Slack.",
    )
    auth_cache_seconds: float = setting(
        "5",
        _number(0, 60),
        "At most how long each process answers a workspace's events from its installation as "
        "last read (seconds; each entry a random half to all of it) before reading the "
        "database again; Slack's auth.test only when its token changed. An uninstall, a "
        "revocation or a token refresh in this process takes effect at once; in another "
        "process (gunicorn worker, replica) within this many seconds. 0: read the installation "
        "for every event.",
    )
    auth_cache_size: int = setting(
        "1000",
        _integer(1, 1_000_000),
        "Installations each process keeps for that (the least recently used goes first).",
    )
    host: str = setting(
        "0.0.0.0",
        _text,
        "Address and port for POST /slack/events and GET /healthz.",
        section="HTTP mode",
    )
    port: int = setting("3000", _integer(0, 65535), "")
    model_path: str = setting(
        "",
        _model_path,
        "Model artifact directory; empty means the shipped model (model/artifact.py names it).",
        section="Model",
    )
    sentiment_command: str = setting(
        "/sentiment",
        _command,
        "Must match the command in the Slack app (slack_manifest.json).",
        section="Slash command",
        blank_means_default=False,
    )
    # Reactions to channel messages.
    reactions_enabled: bool = setting(
        "true",
        _flag,
        "React with an emoji to channel messages the model is confident about (false: never; "
        "messages are still counted for the mood record).",
        section="Reactions to channel messages",
        blank_means_default=False,
    )
    reactions_per_minute: int = setting(
        "50",
        _integer(0, 10_000),
        "reactions.add calls per workspace per minute (Slack's Tier 3 is about 50), shared by "
        "every process (through REDIS_URL, or split among gunicorn's workers). Past it a "
        "message gets no reaction but is still counted for the mood. 0: no budget (load tests "
        "against a fake Slack; the real one refuses what is past its limit).",
    )
    reaction_burst: int = setting(
        "20",
        _integer(1, 10_000),
        "reactions.add calls a workspace may make at once before REACTIONS_PER_MINUTE paces it.",
    )
    reaction_threshold: float = setting(
        "0.8", _number(0.5, 1.0), "React only when the model is at least this sure (0.5-1.0)."
    )
    min_known_words: int = setting(
        "3",
        _integer(0, 1000),
        "...and knows at least this many of the message's words (a message whose every word is "
        "known, e.g. only emoji, needs one)...",
    )
    min_known_share: float = setting(
        "0.5",
        _number(0.0, 1.0),
        '...and at least this share of them. Replies also say "I can\'t tell" below these two.',
    )
    positive_emoji: str = setting(
        "slightly_smiling_face",
        _emoji,
        "Emoji names, without colons.",
        blank_means_default=False,
    )
    negative_emoji: str = setting("slightly_frowning_face", _emoji, "", blank_means_default=False)
    reaction_channels: frozenset[str] = setting(
        "",
        _channels,
        "Comma-separated channel ids (C0123ABCD). Empty allow-list = every channel the bot is in.",
    )
    reaction_channels_deny: frozenset[str] = setting(
        "", _channels, "Channel ids never reacted in, even when on the allow-list."
    )
    react_in_threads: bool = setting(
        "true",
        _flag,
        "React to replies inside threads too (thread replies sent to the channel always count).",
        blank_means_default=False,
    )
    # Delivery.
    redis_url: str = setting(
        "",
        _redis_url,
        "Shared record of handled event_ids for several replicas behind a load balancer, e.g. "
        "redis://redis.internal:6379/0. A Redis that refuses the password or the database stops "
        "the bot at startup; one that is down or unreachable does not: the bot starts degraded "
        "(/readyz says dedupe=host_file) on the host record DEDUPE_DB. Empty: DEDUPE_DB alone.",
        section="Delivery",
    )
    process_slack_retries: bool = setting(
        "auto",
        _process_retries,
        "Slack redeliveries (X-Slack-Retry-Num > 0). auto (= true) handles a redelivery whose "
        "event_id nobody has handled (its first delivery was lost, say in a restart) and drops "
        "the others. false drops every redelivery unread (an event whose first delivery was "
        "lost is then lost).",
    )
    dedupe_ttl_seconds: int = setting(
        "3600", _integer(1, 7 * 24 * 3600), "How long a handled event_id is remembered."
    )
    slack_timeout_seconds: float = setting(
        "10", _number(0.1, 120.0), "Timeout for one Slack Web API call."
    )
    slack_max_retry_wait_seconds: float = setting(
        "30",
        _number(0, 600),
        "Longest Retry-After the bot waits out on a rate limit before giving up on that call.",
    )
    listener_threads: int = setting(
        "8", _integer(1, 256), "Threads that run listeners after the ack."
    )
    listener_cpu_slots: int = setting(
        "2",
        _integer(0, 256),
        "Of those, how many may run Python at once; a thread waiting on Slack does not count. "
        "Fewer runnable threads keep the acks' waits for the GIL short. 0: no limit.",
    )
    listener_queue_per_workspace: int = setting(
        "5000",
        _integer(1, 100_000),
        "Listener jobs one workspace may have waiting; past it that workspace's oldest "
        "reaction-only job is shed (replies to people last). Keeps a flood in its own queue.",
    )
    listener_queue_max: int = setting(
        "20000",
        _integer(1, 1_000_000),
        "Listener jobs waiting in all workspaces together; past it the workspace with the "
        "longest queue sheds (its oldest reaction-only job first).",
    )
    log_level: str = setting(
        "INFO",
        _log_level,
        "DEBUG, INFO, WARNING or ERROR. Logs never contain message text.",
        blank_means_default=False,
    )
    log_format: str = setting(
        "text",
        _log_format,
        "text: one key=value line per record (time, level, pid, logger). json: one JSON object "
        "per line with the same fields and the record's key=value fields, for log shippers; "
        "gunicorn's own lines follow it too.",
    )
    metrics: bool = setting(
        "on",
        _flag,
        "Serve GET /metrics (Prometheus text format) on the bot's HTTP port, or on PORT beside "
        "/healthz in Socket Mode. off: no route (404).",
        blank_means_default=False,
    )
    # The database and the mood record (bot/storage, bot/mood).
    database_url: str = setting(
        "",
        _database_url,
        "SQLAlchemy URL. Empty: the SQLite file data/bot.sqlite3 under the working directory. "
        "Production with several processes or replicas: "
        "postgresql://user:password@host:5432/dbname (psycopg 3). Schema migrations run on "
        "start.",
        section='Database and team mood (bot/storage, bot/mood; what is stored: README "Team '
        'mood")',
    )
    mood_tracking: bool = setting(
        "on",
        _flag,
        "Count channel messages per channel and day for /sentiment mood. off: count nothing "
        "anywhere.",
        blank_means_default=False,
    )
    mood_timezone: str = setting(
        "UTC",
        _timezone,
        "The workspace's time zone: which calendar day a message counts for (IANA name).",
    )
    mood_min_authors: int = setting(
        "3",
        _integer(2, 1000),
        "Minimum group size: a day (or merged week) is shown only with this many different "
        "authors...",
    )
    mood_min_messages: int = setting(
        "5",
        _integer(1, 100_000),
        '...and this many counted messages; otherwise it is merged or shown as "not enough '
        'people".',
    )
    mood_admin_group: str = setting(
        "",
        _usergroup,
        "A user group id (S...) whose members may change workspace-wide mood settings (digest "
        "time, minimum group size, backfill, tracking back on), as workspace admins and owners "
        "always can. Empty: admins and owners only.",
    )
    mood_retention_days: int = setting(
        "400", _integer(2, 36500), "Days of counts kept; older rows are deleted."
    )
    mood_flush_seconds: float = setting(
        "1",
        _number(0.05, 1.0),
        "How often counts are written (seconds, at most 1). A kill -9 loses at most this much.",
    )
    mood_max_pending: int = setting(
        "100000",
        _integer(1, 10_000_000),
        "Messages kept in memory while the database is unreachable; past this they are not "
        "counted (reactions and replies go on) and the number dropped is logged.",
    )
    # The record of handled events on this host, and shutdown.
    dedupe_db: str = setting(
        DEFAULT_DEDUPE_DB,
        _text,
        "The record of handled events on this host: a SQLite file shared by every process that "
        "uses the same path (python -m bot, every gunicorn worker of every master), kept across "
        "restarts. With REDIS_URL it is the fallback while Redis is down. Relative paths are "
        "under the working directory: give several checkouts on one host the same absolute "
        "path.",
        section="The record on this host, and shutdown",
    )
    graceful_timeout: int = setting(
        "30",
        _integer(1, 3600),
        "Seconds a stopping bot gives the listener work of events it already acked; what is "
        "still running then is abandoned, logged by event id, and the exit status is 1.",
    )
    # Weekly digests, mood-drop alerts, backfill (bot/digests, bot/backfill).
    digest_send_at: SendAt = setting(
        "mon 09:00",
        _send_at,
        "When `python -m bot digest` (cron) sends weekly digests, in MOOD_TIMEZONE; a workspace "
        "can change it with `/sentiment digest time DAY HH:MM`.",
        section="Weekly digests, mood-drop alerts, backfill (docs/home.md)",
    )
    digest_catch_up_hours: float = setting(
        "24",
        _number(0.1, 24 * 7),
        "A digest whose send time passed longer ago than this is skipped (a runner down for "
        "days does not flood channels with stale digests).",
    )
    digest_claim_seconds: float = setting(
        "300",
        _number(1, 24 * 3600),
        "A runner's claim on a post expires after this many seconds if the runner died before "
        "recording it; the next run then takes it over (and first checks it was not posted).",
    )
    mood_alert_z: float = setting(
        "3.5",
        _number(1.0, 10.0),
        "Mood-drop alert sensitivity: the test statistic needed (higher = fewer alerts; 3.5 "
        "stays quiet on a stable channel for years and catches a clear drop within about a "
        "week)...",
    )
    mood_alert_min_messages: int = setting(
        "40",
        _integer(1, 1_000_000),
        "...at least this many counted messages in the last 7 days...",
    )
    mood_alert_min_rise: float = setting(
        "0.05",
        _number(0.0, 1.0),
        "...and a rise of the negative share of at least this much (0.05 = 5 percentage points).",
    )
    backfill_days: int = setting(
        "30", _integer(1, 365), "/sentiment mood backfill reads this many days of history."
    )
    backfill_requests_per_minute: float = setting(
        "50",
        _number(0.1, 1000.0),
        "conversations.history is Tier 3 (50+ a minute) for internal and Marketplace apps. A "
        "commercially distributed app NOT approved for the Marketplace gets 1 request a minute "
        "and 15 messages a page since 2025: then set 1 and 15.",
    )
    backfill_page_size: int = setting(
        "200",
        _integer(1, 999),
        "Messages asked for per conversations.history page (its limit, 1-999).",
    )
    feedback_min_ratings: int = setting(
        "50",
        _integer(1, 1_000_000),
        "Ratings (feedback buttons on verdicts) a workspace needs before its Home tab says "
        "whether the bot is over- or under-confident there.",
        section="Feedback on verdicts",
    )

    @property
    def socket_mode(self) -> bool:
        """Socket Mode when an app-level token is given, HTTP mode otherwise."""
        return bool(self.slack_app_token)

    @property
    def oauth_mode(self) -> bool:
        """Multi-workspace mode: tokens come from OAuth installs, not ``SLACK_BOT_TOKEN``."""
        return bool(self.slack_client_id or self.slack_client_secret)

    @property
    def has_slack_credentials(self) -> bool:
        return bool(
            self.slack_bot_token
            or self.slack_app_token
            or self.slack_signing_secret
            or self.oauth_mode
        )

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
        if self.oauth_mode:
            self._validate_oauth()
            return
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

    def _validate_oauth(self) -> None:
        """Multi-workspace mode's settings (the encryption key itself is checked at startup)."""
        if not (self.slack_client_id and self.slack_client_secret):
            missing = "SLACK_CLIENT_SECRET" if self.slack_client_id else "SLACK_CLIENT_ID"
            raise SettingsError(
                f"{missing} is not set: multi-workspace mode needs both SLACK_CLIENT_ID and "
                "SLACK_CLIENT_SECRET (Basic Information > App Credentials); unset both for one "
                "workspace with SLACK_BOT_TOKEN"
            )
        if self.slack_bot_token:
            raise SettingsError(
                "SLACK_BOT_TOKEN and SLACK_CLIENT_ID are both set: unset SLACK_BOT_TOKEN for "
                "multi-workspace mode (tokens come from each install), or unset SLACK_CLIENT_ID "
                "and SLACK_CLIENT_SECRET for one workspace"
            )
        if self.slack_app_token and not self.slack_app_token.startswith("xapp-"):
            raise SettingsError(
                "SLACK_APP_TOKEN must start with xapp-: create an app-level token with the "
                "connections:write scope, or unset it to use HTTP mode"
            )
        if not self.slack_app_token and not self.slack_signing_secret:
            raise SettingsError(
                "SLACK_SIGNING_SECRET is not set: multi-workspace mode over HTTP needs the "
                "Signing Secret from Basic Information > App Credentials"
            )
        if not self.slack_token_encryption_key:
            raise SettingsError(
                "SLACK_TOKEN_ENCRYPTION_KEY is not set: multi-workspace mode stores tokens "
                "encrypted; run `python -m bot keygen` and set the key it prints"
            )


def declared() -> Iterator[tuple[str, Field[Any], SettingSpec]]:
    """Each setting as (environment variable, dataclass field, spec), in declaration order."""
    for f in fields(Settings):
        yield f.name.upper(), f, f.metadata["setting"]


def load_env(env_file: str | os.PathLike[str] | None = ".env") -> dict[str, str]:
    """The process environment over the ``.env`` file: real env vars win, as in python-dotenv."""
    merged: dict[str, str] = {}
    if env_file and Path(env_file).is_file():
        from dotenv import dotenv_values

        merged.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    merged.update(os.environ)
    return merged


def settings_from_env(env: Mapping[str, str]) -> Settings:
    """Build validated settings from a mapping of environment variables.

    A variable that is unset keeps its default, and so does an empty one unless its parser
    gives empty a meaning (``REACTIONS_ENABLED=`` is false, ``LOG_LEVEL=`` is an error).
    """
    values: dict[str, Any] = {}
    for name, f, spec in declared():
        raw = env.get(name)
        if raw is None or (spec.blank_means_default and not raw.strip()):
            values[f.name] = f.default
        else:
            values[f.name] = spec.parse(name, raw)
    return Settings(**values)


_EXAMPLE_HEADER = """\
# Slack sentiment bot settings. Copy to .env and fill in; real environment variables win over
# .env. Every line shows the default. With no Slack credentials at all, `python -m bot` starts
# the local console instead of connecting to Slack.
# Generated from bot/settings.py by `python -m bot.settings > .env.example`; edit it there.
"""


def env_example() -> str:
    """The text of ``.env.example``: every setting with its help and default, in sections."""
    import textwrap  # only when writing the file, not on the bot's cold start

    lines = [_EXAMPLE_HEADER.rstrip("\n")]
    for name, _, spec in declared():
        if spec.section:
            lines += ["", f"# --- {spec.section} ".ljust(92, "-")]
        if spec.help_text:
            lines += textwrap.wrap(
                spec.help_text,
                96,
                initial_indent="# ",
                subsequent_indent="# ",
                break_on_hyphens=False,
            )
        lines.append(f"{name}={spec.default}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(env_example(), end="")
