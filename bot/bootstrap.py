"""The one startup path every entry point shares: settings, checks, model, ``auth.test``, logging.

``python -m bot`` (HTTP and Socket Mode), gunicorn's ``bot.runners.asgi:application()`` (through
``bot.runners.wsgi.build_bot``) and the console start with ``bootstrap``; the
one-shot jobs that only post (``python -m bot digest``) start with ``bootstrap_job``, the same
settings and logging without the model or the HTTP checks. So a bad setup fails the same way
everywhere: exit status 2 and one line on stderr that says what to fix, never a traceback; and
every process logs through ``bot.logs`` (its URL and control-character scrubbing included).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.settings import Settings, SettingsError, load_env, settings_from_env
from bot.slack.keepalive import use_keepalive
from model.prediction import Predictor

EXIT_SETUP = 2


class StartupError(RuntimeError):
    """The bot cannot start; the message is the one line that says what to fix."""


@dataclass(frozen=True)
class Booted:
    """What a runner needs: validated settings and a loaded model."""

    settings: Settings
    predictor: Predictor
    console: bool
    redis_down: bool = False  # REDIS_URL set but unreachable at start: the record starts degraded


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return f"{type(err).__name__}: {text[:200]}" if text else type(err).__name__


def load_model(settings: Settings) -> Predictor:
    """Load ``MODEL_PATH`` (or the shipped artifact) or raise ``StartupError``."""
    import model
    from model.artifact import DEFAULT_ARTIFACT

    path = Path(settings.model_path) if settings.model_path else DEFAULT_ARTIFACT
    if not path.exists():
        raise StartupError(
            f"model artifact not found at {path}: train it with `make train` or set MODEL_PATH "
            "to an artifact directory"
        )
    try:
        return model.load_predictor(settings.model_path or None)
    except Exception as err:  # noqa: BLE001 - any loader failure is a setup problem
        raise StartupError(
            f"could not load the model artifact at {path} ({_one_line(err)}): train it with "
            "`make train` or point MODEL_PATH at a complete artifact directory"
        ) from err


def _quiet_logger() -> logging.Logger:
    logger = logging.getLogger("bot.preflight")
    logger.propagate = False
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())
    return logger


def check_slack_auth(settings: Settings) -> dict:
    """Call ``auth.test`` with the bot token; raise ``StartupError`` saying what is wrong."""
    client = WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=max(1, round(settings.slack_timeout_seconds)),
        logger=_quiet_logger(),
    )
    try:
        return client.auth_test().data  # type: ignore[return-value]
    except SlackApiError as err:
        code = err.response.get("error") if isinstance(err.response.data, dict) else None
        raise StartupError(
            f"Slack rejected SLACK_BOT_TOKEN ({code or err.response.status_code}): copy the Bot "
            "User OAuth Token (xoxb-...) again from OAuth & Permissions and reinstall the app "
            "to your workspace"
        ) from err
    except Exception as err:  # noqa: BLE001 - connection refused, DNS, timeout
        raise StartupError(
            f"cannot reach the Slack Web API at {settings.slack_api_url} ({_one_line(err)}): "
            "check SLACK_API_URL and the network"
        ) from err


def check_dedupe_record(settings: Settings) -> bool:
    """Reach ``REDIS_URL`` / write ``DEDUPE_DB`` now, so a bad record fails at startup.

    A record the bot cannot use would let a redelivery be answered twice; better to say so
    before the first event than to find out in the channel. A Redis that is only down does
    not stop the start: the host record covers this host meanwhile (docs/serving.md), and the
    answer (True) makes the record start degraded, so ``/readyz`` says so from the start.
    """
    redis_down = False
    if settings.redis_url:
        from urllib.parse import urlsplit

        from bot.delivery.redis_record import make_redis_client

        parts = urlsplit(settings.redis_url)
        where = parts.path if parts.scheme == "unix" else f"{parts.hostname}:{parts.port or 6379}"
        client = make_redis_client(settings.redis_url, timeout=2.0)
        try:
            client.ping()
        except Exception as err:  # noqa: BLE001 - refused, DNS, timeout, auth, TLS
            if not _redis_may_heal(err):
                # The error type only: redis-py messages can quote the URL, password included.
                raise StartupError(
                    f"Redis at {where} refused the bot ({type(err).__name__}): fix the password "
                    "or database number in REDIS_URL (redis://:password@host:6379/0)"
                ) from None
            # Down or unreachable: start anyway, on the host record (no duplicates on this
            # host), rather than crash-loop every new replica through a Redis outage.
            logging.getLogger("bot.delivery.seen_events").warning(
                "dedupe_store_unavailable store=redis at=%s error=%s fallback=host_file "
                "starting=degraded",
                where,
                type(err).__name__,
            )
            redis_down = True
        finally:
            client.close()
    if settings.dedupe_db:
        from bot.delivery.host_record import check_writable

        try:
            check_writable(settings.dedupe_db)
        except Exception as err:  # noqa: BLE001 - sqlite3.Error, OSError
            raise StartupError(
                f"cannot write the record of handled events DEDUPE_DB={settings.dedupe_db} "
                f"({_one_line(err)}): point it at a writable file or unset it"
            ) from None
    return redis_down


def _redis_may_heal(err: Exception) -> bool:
    """A refused or timed-out connection heals when Redis is back; a wrong password does not."""
    import redis.exceptions as errors

    if isinstance(err, errors.AuthenticationError | errors.ResponseError):
        return False  # WRONGPASS, NOAUTH, "DB index is out of range"
    return isinstance(err, errors.ConnectionError | errors.TimeoutError | OSError)


def bootstrap(
    env_file: str | None = ".env",
    *,
    console: bool = False,
    http_only: bool = False,
    settings: Settings | None = None,
) -> Booted:
    """Settings -> validate -> model -> ``auth.test`` -> logging, or raise with the fix.

    With no Slack credentials (or ``console``) it stops after the model: the console talks to
    its own fake Slack. ``http_only`` (a WSGI server) always needs HTTP-mode credentials.
    """
    if settings is None:
        settings = settings_from_env(load_env(env_file))
    if not http_only and (console or not settings.has_slack_credentials):
        return Booted(settings, load_model(settings), console=True)
    settings.validate_for_slack()
    if http_only and settings.socket_mode:
        raise SettingsError(
            "SLACK_APP_TOKEN is set: Socket Mode runs with `python -m bot`, not under a WSGI "
            "server; unset it to serve HTTP mode"
        )
    _start_logging(settings)  # before the record check, which may log a degraded start
    use_keepalive()
    redis_down = check_dedupe_record(settings)
    if settings.oauth_mode:
        check_oauth(settings)
    predictor = load_model(settings)
    if not settings.oauth_mode:  # multi-workspace: no token until a workspace installs
        check_slack_auth(settings)
    return Booted(settings, predictor, console=False, redis_down=redis_down)


def check_oauth(settings: Settings) -> None:
    """Multi-workspace mode: the encryption keys, the manifest's scopes, the database."""
    from bot.install.crypto import EncryptionKeyError, TokenCipher
    from bot.install.oauth import MANIFEST, manifest_bot_scopes

    try:
        TokenCipher(settings.slack_token_encryption_key)
    except EncryptionKeyError as err:
        raise StartupError(str(err)) from None
    try:
        manifest_bot_scopes()
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise StartupError(
            f"cannot read the bot scopes from {MANIFEST} ({type(err).__name__}): the install "
            "asks for the scopes listed under oauth_config.scopes.bot there"
        ) from None
    from bot.storage.engine import make_engine
    from bot.storage.migrate import migrate

    engine = make_engine(settings.database_url)
    try:
        migrate(engine)
    except Exception as err:  # noqa: BLE001 - one line, not a traceback
        raise StartupError(
            f"cannot open the database for installations ({type(err).__name__}): check "
            "DATABASE_URL and that the server is reachable"
        ) from None
    finally:
        engine.dispose()


def bootstrap_job(env_file: str | None = ".env", *, job: str) -> Settings:
    """Settings -> bot token check -> logging, for a one-shot ``job`` that only posts.

    No model, signing secret or app token: a cron job such as ``python -m bot digest`` posts
    with the bot token alone, and must fail with the same one line as the bot when it is wrong.
    In multi-workspace mode it needs the client id, secret and encryption key instead.
    """
    settings = settings_from_env(load_env(env_file))
    if settings.oauth_mode:  # tokens come from the installations, refreshed by the job
        if settings.slack_bot_token or not (
            settings.slack_client_id and settings.slack_client_secret
        ):
            settings.validate_for_slack()  # the same one line as the bot
        try:
            check_oauth(settings)
        except StartupError as err:  # the jobs report SettingsError's one line
            raise SettingsError(str(err)) from None
    elif not settings.slack_bot_token.startswith("xoxb-"):
        raise SettingsError(
            f"SLACK_BOT_TOKEN must be set to the Bot User OAuth Token (xoxb-...) for `{job}` "
            "to post"
        )
    _start_logging(settings)
    use_keepalive()
    return settings


def _start_logging(settings: Settings) -> None:
    from bot.logs import configure_logging

    configure_logging(settings.log_level, log_format=settings.log_format)


def fail(message: str) -> int:
    """Print the one line that says what to fix; return the setup exit status."""
    print(f"error: {message}", file=sys.stderr, flush=True)
    return EXIT_SETUP


@contextmanager
def exit_on_setup_error() -> Iterator[None]:
    """Turn a ``SettingsError``/``StartupError`` into that one line and ``SystemExit(2)``."""
    try:
        yield
    except (SettingsError, StartupError) as err:
        raise SystemExit(fail(str(err))) from None
