"""The values ``gunicorn.conf.py`` uses, read and validated like the bot's own settings.

A wrong value stops gunicorn before it starts anything, with exit status 2 and one line
``error: ...`` that names the variable and says what to set (``WEB_CONCURRENCY=0`` would start a
master with no workers that holds the port while every request hangs; ``abc`` a traceback).
The port is tried too, so "in use" or a HOST that is not this machine's is one line as well.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from bot.settings import SettingsError, load_env

MAX_WORKERS = 64
MAX_THREADS = 256


@dataclass(frozen=True)
class GunicornConfig:
    host: str
    port: int
    workers: int
    threads: int
    graceful_timeout: int
    log_level: str
    redis_url: str  # set: Redis is the record of handled events, shared by every replica
    dedupe_db: str  # the SQLite file shared by every process on this host (empty: the default)
    log_format: str = "text"  # LOG_FORMAT: gunicorn's own lines follow the bot's format
    metrics: bool = True  # METRICS: gunicorn.conf.py sets up prometheus_client's shared files

    @property
    def bind(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int, what: str) -> int:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise SettingsError(
            f"{name} must be a whole number from {low} to {high} ({what}), not {raw!r}"
        )
    return int(raw)


def gunicorn_config(env: Mapping[str, str]) -> GunicornConfig:
    """Validated gunicorn values from ``env`` (the environment over ``.env``)."""
    host = (env.get("HOST") or "").strip() or "0.0.0.0"
    return GunicornConfig(
        host=host,
        port=_int(env, "PORT", 3000, 1, 65535, "the port to serve on"),
        workers=_int(
            env,
            "WEB_CONCURRENCY",
            os.cpu_count() or 2,
            1,
            MAX_WORKERS,
            "worker processes, one per core",
        ),
        threads=_int(
            env,
            "GUNICORN_THREADS",
            4,
            1,
            MAX_THREADS,
            "threads per worker that ack Slack's requests",
        ),
        graceful_timeout=_int(
            env, "GRACEFUL_TIMEOUT", 30, 1, 3600, "seconds a stopping worker gets to finish"
        ),
        log_level=((env.get("LOG_LEVEL") or "").strip() or "info").lower(),
        redis_url=(env.get("REDIS_URL") or "").strip(),
        dedupe_db=(env.get("DEDUPE_DB") or "").strip(),
        log_format=_choice(env, "LOG_FORMAT", "text", ("text", "json")),
        metrics=_choice(env, "METRICS", "on", ("on", "off", "true", "false", "1", "0", "yes", "no"))
        in ("on", "true", "1", "yes"),
    )


def _choice(env: Mapping[str, str], name: str, default: str, allowed: tuple[str, ...]) -> str:
    raw = (env.get(name) or "").strip().lower() or default
    if raw not in allowed:
        raise SettingsError(f"{name} must be one of {', '.join(allowed)}, not {raw!r}")
    return raw


def load_config(env_file: str = ".env", *, check_port: bool = True) -> GunicornConfig:
    """Read, validate and try the bind address; on a problem print one line and exit 2."""
    from bot.bootstrap import fail
    from bot.runners.http import check_bind

    try:
        env = load_env(env_file)
    except Exception:  # noqa: BLE001 - a broken .env is reported by the app's own bootstrap
        env = dict(os.environ)
    try:
        config = gunicorn_config(env)
    except SettingsError as err:
        raise SystemExit(fail(str(err))) from None
    problem = check_bind(config.host, config.port) if check_port else None
    if problem:
        raise SystemExit(fail(problem))
    return config


def gunicorn_logger_class(log_format: str) -> type:
    """gunicorn's ``logger_class`` that writes its own lines (boot, worker exits, errors) in the
    bot's format: ``LOG_FORMAT=json`` gives one JSON object per line from every process."""
    from gunicorn.glogging import Logger

    from bot.logs import make_formatter

    class BotFormatLogger(Logger):
        def setup(self, cfg: object) -> None:
            super().setup(cfg)
            formatter = make_formatter(log_format)
            for logger in (self.error_log, self.access_log):
                for handler in logger.handlers:
                    handler.setFormatter(formatter)

    return BotFormatLogger


def main() -> int:
    """``python -m bot.runners.gunicorn_config``: the check ``make serve`` runs before gunicorn.

    gunicorn itself parses ``WEB_CONCURRENCY`` when it is imported, before it reads any config
    file, so ``WEB_CONCURRENCY=abc gunicorn ...`` fails with gunicorn's own traceback; this
    check, run first, turns that into the one line too.
    """
    load_config()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
