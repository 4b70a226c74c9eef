"""``python -m bot``: Socket Mode, HTTP mode or the local console, chosen from the settings.

- ``SLACK_APP_TOKEN`` (xapp-) set: Socket Mode.
- otherwise ``SLACK_SIGNING_SECRET`` set: HTTP mode on ``PORT`` (``POST /slack/events``,
  ``GET /healthz``).
- no Slack credentials at all, or ``--console``: the local console.
- ``SLACK_CLIENT_ID`` and ``SLACK_CLIENT_SECRET`` set: multi-workspace mode, tokens from OAuth
  installs (``/slack/install``); with ``SLACK_APP_TOKEN`` too, the install routes are served
  over HTTP on ``PORT`` beside the socket (docs/multi-workspace.md).

``python -m bot keygen`` prints a new ``SLACK_TOKEN_ENCRYPTION_KEY``; ``python -m bot rekey``
re-encrypts every stored token with the first key of that list.

Two one-shot jobs share the settings: ``python -m bot digest`` (cron, ``bot.digests.cli``) and
``python -m bot migrate`` (the explicit schema step of an upgrade, docs/deploy.md).

Any setup problem exits with status 2 and one line on stderr saying what to fix.
"""

from __future__ import annotations

import argparse
import signal
import sys


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Slack sentiment bot: Socket Mode, HTTP mode, or a local console.",
    )
    parser.add_argument(
        "--console",
        action="store_true",
        help="try the bot locally against a fake Slack (the default without Slack credentials)",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="with the console: start with a month of #general read into a throwaway mood record",
    )
    parser.add_argument(
        "--env-file", default=".env", help="settings file read under the environment (default .env)"
    )
    return parser.parse_args(argv)


def _stop_on_sigterm() -> None:
    def handler(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def _migrate(argv: list[str]) -> int:
    """``python -m bot migrate``: bring ``DATABASE_URL`` to this code's schema, then exit.

    The bot also migrates on start; this step lets a deploy migrate once, before any new
    replica starts, and fail there (exit 2, one line) rather than in every pod.
    """
    parser = argparse.ArgumentParser(
        prog="python -m bot migrate",
        description="Upgrade the database at DATABASE_URL to this version's schema (Alembic "
        "upgrade head) and exit: 0 when done or already there, 2 with one line on an error.",
    )
    parser.add_argument(
        "--env-file", default=".env", help="settings file read under the environment (default .env)"
    )
    args = parser.parse_args(argv)
    from bot.bootstrap import fail
    from bot.settings import SettingsError, load_env, settings_from_env

    try:
        settings = settings_from_env(load_env(args.env_file))
    except SettingsError as err:
        return fail(str(err))
    from bot.storage.engine import DatabaseUrlError, make_engine, unusable_message
    from bot.storage.migrate import current_revision, migrate

    try:
        engine = make_engine(settings.database_url)
    except DatabaseUrlError as err:
        return fail(str(err))
    try:
        with engine.connect() as connection:
            before = current_revision(connection)
        reached = migrate(engine)
    except Exception as err:  # noqa: BLE001 - refused, auth, unknown database: one line
        return fail(unusable_message(settings.database_url, err, once=True))
    finally:
        engine.dispose()
    if before == reached:
        print(f"database_at_head revision={reached}", flush=True)
    else:
        print(f"database_migrated from={before or 'empty'} to={reached}", flush=True)
    return 0


def _rekey(argv: list[str]) -> int:
    """Re-encrypt every stored token with the first key of SLACK_TOKEN_ENCRYPTION_KEY."""
    parser = argparse.ArgumentParser(prog="python -m bot rekey")
    parser.add_argument("--env-file", default=".env", help="settings file (default .env)")
    args = parser.parse_args(argv)
    from bot.bootstrap import bootstrap_job, exit_on_setup_error, fail

    with exit_on_setup_error():
        settings = bootstrap_job(args.env_file, job="python -m bot rekey")
    if not settings.oauth_mode:
        return fail("SLACK_CLIENT_ID is not set: rekey re-encrypts multi-workspace mode's tokens")
    from bot.install.crypto import EncryptionKeyError
    from bot.install.store import rekey_stored_tokens
    from bot.storage.engine import make_engine

    engine = make_engine(settings.database_url)
    try:
        rows = rekey_stored_tokens(
            settings.slack_client_id, settings.slack_token_encryption_key, engine
        )
    except EncryptionKeyError as err:
        return fail(str(err))
    finally:
        engine.dispose()
    print(f"rekey rows={rows}", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Start up (one line and exit 2 on a bad setup), then run the mode the settings ask for."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["digest"]:  # `python -m bot digest`: one run of the digest sender (cron)
        from bot.digests.cli import main as digest_main

        return digest_main(argv[1:])
    if argv[:1] == ["migrate"]:
        return _migrate(argv[1:])
    if argv[:2] == ["mood", "export"]:  # `python -m bot mood export`: CSV to stdout
        from bot.export_cli import main as export_main

        return export_main(argv[2:])
    if argv[:1] == ["keygen"]:  # a new SLACK_TOKEN_ENCRYPTION_KEY
        from bot.install.crypto import generate_key

        print(generate_key(), flush=True)
        return 0
    if argv[:1] == ["rekey"]:
        return _rekey(argv[1:])
    args = _parse_args(argv)
    from bot.bootstrap import bootstrap, exit_on_setup_error, fail

    with exit_on_setup_error():
        booted = bootstrap(args.env_file, console=args.console or args.demo)
    settings = booted.settings
    if booted.console:
        from bot.console import run_console

        return run_console(settings, booted.predictor, demo=args.demo)

    from bot.app import create_app
    from bot.listener_pool import drain_pools, exit_now

    server = None
    if not settings.socket_mode or settings.oauth_mode:  # OAuth: install routes beside the socket
        from bot.runners.http import bind_error, listen

        try:
            server = listen(settings.host, settings.port)
        except OSError as err:  # the port is taken, HOST is not ours, ...
            return fail(bind_error(settings.host, settings.port, err))
    from bot.mood.service import MoodService

    # The database opens on the mood thread while the bot already answers (SQLAlchemy's import
    # would delay the first answer); the opt-out list is read before the first message.
    bot = create_app(
        settings,
        booted.predictor,
        mood=MoodService.open(settings, background=True),
        redis_down=booted.redis_down,
    )
    _stop_on_sigterm()
    try:
        if settings.socket_mode:
            from bot.runners.socket_mode import run_socket_mode

            if server is not None:
                import threading

                from bot.runners.http import serve

                threading.Thread(target=serve, args=(server, bot), daemon=True).start()
            run_socket_mode(bot, settings)
        else:
            from bot.runners.http import serve

            serve(server, bot)
    except KeyboardInterrupt:
        pass
    # Events already acked must still be answered: finish their listener work, or say which
    # were abandoned (drain_timeout). The mood counts still pending are written either way.
    drained = drain_pools([bot.pool], settings.graceful_timeout)
    bot.mood.close()
    if not drained:
        exit_now(1)  # at once, not when the stuck calls end
    return 0


if __name__ == "__main__":
    sys.exit(main())
