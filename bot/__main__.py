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


def _stop_on_sigterm() -> None:
    def handler(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def main(argv: list[str] | None = None) -> int:
    """Start up (one line and exit 2 on a bad setup), then run the mode the settings ask for."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["digest"]:  # `python -m bot digest`: one run of the digest sender (cron)
        from bot.digests.cli import main as digest_main

        return digest_main(argv[1:])
    args = _parse_args(argv)
    from bot.bootstrap import bootstrap, exit_on_setup_error, fail

    with exit_on_setup_error():
        booted = bootstrap(args.env_file, console=args.console)
    settings = booted.settings
    if booted.console:
        from bot.console import run_console

        return run_console(settings, booted.predictor)

    from bot.app import create_app

    app = create_app(settings, booted.predictor)
    _stop_on_sigterm()
    try:
        if settings.socket_mode:
            from bot.runners.socket_mode import run_socket_mode

            run_socket_mode(app, settings)
        else:
            from bot.runners.http import serve

            serve(app, settings.host, settings.port)
    except KeyboardInterrupt:
        pass
    except OSError as err:  # e.g. the port is taken
        return fail(
            f"cannot listen on {settings.host}:{settings.port} ({err}): set PORT to a free port"
        )
    finally:
        _finish(app)
    return 0


def _finish(app) -> None:
    """Let acked listener work end, then write the mood counts still pending (SIGTERM too)."""
    from bot.app import listener_pool, mood_service

    listener_pool(app).shutdown(wait=True)
    mood_service(app).close()


if __name__ == "__main__":
    sys.exit(main())
