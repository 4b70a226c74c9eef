"""``python -m bot digest [--now ISO-TIME] [--env-file .env]``: one digest run, for cron.

Reads the same settings as the bot (``SLACK_BOT_TOKEN``, ``SLACK_API_URL``, ``DATABASE_URL``,
``MOOD_*``, ``DIGEST_*``), migrates the database if needed, sends what is due, prints one
summary line and exits: 0 when every due post went out (or was already sent by another
runner), 1 when some failed (they are retried by the next run), 2 on a bad setup.
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import UTC, datetime


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bot digest",
        description="Send the weekly mood digests that are due and any mood-drop alerts, once.",
    )
    parser.add_argument(
        "--now",
        help="run as if it were this ISO time (e.g. 2026-03-02T09:05:00+00:00); default: now",
    )
    parser.add_argument("--env-file", default=".env", help="settings file (default .env)")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = _parse(argv)
    from bot.bootstrap import fail
    from bot.settings import SettingsError, load_env, settings_from_env

    try:
        settings = settings_from_env(load_env(args.env_file))
        if not settings.slack_bot_token.startswith("xoxb-"):
            raise SettingsError(
                "SLACK_BOT_TOKEN must be set to the Bot User OAuth Token (xoxb-...) for "
                "`python -m bot digest` to post"
            )
        now = datetime.fromisoformat(args.now) if args.now else datetime.now(UTC)
        if now.tzinfo is None:
            raise SettingsError(f"--now needs a time zone, e.g. {args.now}+00:00")
    except (SettingsError, ValueError) as err:
        return fail(str(err))
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    from bot.digests.runner import DigestRunner
    from bot.slack.web_api import make_web_client
    from bot.storage.engine import make_engine
    from bot.storage.migrate import migrate

    engine = make_engine(settings.database_url)
    try:
        migrate(engine)
    except Exception as err:  # noqa: BLE001 - one line, not a traceback
        return fail(
            f"cannot open the database ({type(err).__name__}): check DATABASE_URL and that the "
            "server is reachable"
        )
    report = DigestRunner(settings, engine, make_web_client(settings), now=now).run()
    engine.dispose()
    print(report.line(), flush=True)
    return 1 if report.failed or report.errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
