"""``python -m bot digest [--now ISO-TIME] [--env-file .env]``: one digest run, for cron.

Reads the same settings as the bot (``SLACK_BOT_TOKEN``, ``SLACK_API_URL``, ``DATABASE_URL``,
``MOOD_*``, ``DIGEST_*``; in multi-workspace mode the installations' tokens, refreshed when they
expire), migrates the database if needed, sends what is due and prints, on
stdout, one timestamped line per subscription with its outcome and one summary line. Its logs
(stderr) carry only warnings and errors about single calls, so ``>> log 2>&1`` writes each
outcome once. Exit status: 0 when nothing failed (nothing due, or every due post went out or
was already sent), 1 when a post failed in this run (``failed_retry`` ones are retried by the
next run), 2 on a bad setup.

It starts like the bot does (``bot.bootstrap.bootstrap_job``): the same settings, the same one
line on a bad setup, and the bot's log format with its scrubbing.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bot digest",
        description="Send the weekly mood digests that are due and any mood-drop alerts, once.",
    )
    parser.add_argument(
        "--now",
        help="decide what is due as if it were this ISO time (e.g. 2026-03-02T09:05:00+00:00); "
        "claims and their expiry still use the real clock; default: now",
    )
    parser.add_argument("--env-file", default=".env", help="settings file (default .env)")
    parser.add_argument(
        "--metrics-file",
        help="also write this run's counts (slackbot_digests by kind and outcome) to this file "
        "in Prometheus text format, e.g. for node_exporter's textfile collector",
    )
    return parser.parse_args(argv)


def _now(raw: str | None) -> datetime:
    """``--now`` as an aware time (``SettingsError`` when it has no zone), else now."""
    from bot.settings import SettingsError

    now = datetime.fromisoformat(raw) if raw else datetime.now(UTC)
    if now.tzinfo is None:
        raise SettingsError(f"--now needs a time zone, e.g. {raw}+00:00")
    return now


def _print_line(line: str) -> None:
    """One outcome line on stdout, stamped with the real time (cron logs have no stamp)."""
    print(f"{datetime.now(UTC).isoformat(timespec='seconds')} {line}", flush=True)


def _unreachable(message: str) -> int:
    """A database that may come back: say so, exit 1 (failed this time), the next run retries."""
    print(f"error: {message.split(': retrying')[0]}: the next run retries", file=sys.stderr)
    return 1


def main(argv: list[str]) -> int:
    """One digest run; the exit status says whether every due post went out (cron reads it)."""
    args = _parse(argv)
    from bot.bootstrap import bootstrap_job, fail
    from bot.settings import SettingsError

    try:
        settings = bootstrap_job(args.env_file, job="python -m bot digest")
        now = _now(args.now)
    except (SettingsError, ValueError) as err:
        return fail(str(err))
    from bot.digests.runner import DigestRunner
    from bot.slack.web_api import make_web_client
    from bot.storage.engine import database_problem, make_engine, unusable_message
    from bot.storage.migrate import migrate

    try:
        engine = make_engine(settings.database_url)
        migrate(engine)
    except Exception as err:  # noqa: BLE001 - one line, not a traceback
        # Exit 2 when waiting cannot help (wrong password, unknown database, malformed URL,
        # a schema newer than the code); 1 when the next cron run may succeed (refused).
        message = unusable_message(settings.database_url, err)
        return fail(message) if not database_problem(err)[1] else _unreachable(message)
    client = make_web_client(settings)
    client_for = None
    if settings.oauth_mode:  # each workspace's own token from its installation, kept fresh
        from bot.install.oauth import Installer

        client_for = Installer.open(settings, engine, client).clients.bound(client)
    report = DigestRunner(
        settings, engine, client, now=now, emit=_print_line, client_for=client_for
    ).run()
    engine.dispose()
    if args.metrics_file:
        from bot.metrics import write_textfile

        write_textfile(args.metrics_file)
    return report.exit_status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
