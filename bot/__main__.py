"""``python -m bot``: Socket Mode, HTTP mode or the local console, chosen from the settings.

- ``SLACK_APP_TOKEN`` (xapp-) set: Socket Mode.
- otherwise ``SLACK_SIGNING_SECRET`` set: HTTP mode on ``PORT`` (``POST /slack/events``,
  ``GET /healthz``).
- no Slack credentials at all, or ``--console``: the local console.

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
        "--env-file", default=".env", help="settings file read under the environment (default .env)"
    )
    return parser.parse_args(argv)


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr, flush=True)
    return 2


def _stop_on_sigterm() -> None:
    def handler(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def main(argv: list[str] | None = None) -> int:
    """Validate settings and the model, then run the mode the settings ask for."""
    args = _parse_args(argv)
    from bot.settings import SettingsError, load_env, settings_from_env
    from bot.startup import StartupError, check_slack_auth, load_model

    try:
        settings = settings_from_env(load_env(args.env_file))
    except SettingsError as err:
        return _fail(str(err))

    if args.console or not settings.has_slack_credentials:
        from bot.console import run_console

        return run_console(settings)

    try:
        settings.validate_for_slack()
        predictor = load_model(settings)
        check_slack_auth(settings)
    except (SettingsError, StartupError) as err:
        return _fail(str(err))

    from bot.app import create_app
    from bot.logs import configure_logging

    configure_logging(settings.log_level)
    app = create_app(settings, predictor)
    _stop_on_sigterm()
    try:
        if settings.socket_mode:
            from bot.socket_mode import run_socket_mode

            run_socket_mode(app, settings)
        else:
            from bot.server import serve

            serve(app, settings.host, settings.port)
    except KeyboardInterrupt:
        pass
    except OSError as err:  # e.g. the port is taken
        return _fail(
            f"cannot listen on {settings.host}:{settings.port} ({err}): set PORT to a free port"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
