"""``python -m bot mood export [--days N] --channel C... [--team T] [--env-file .env]``.

The same CSV as ``/sentiment mood export`` (``bot.mood.export``), written to stdout for
operators: the last N closed days of one channel, days hidden by the minimum group size left
out. Reads the bot's settings (``DATABASE_URL``, ``MOOD_*``, ``MODEL_PATH`` for the calibration)
and never writes to the database beyond migrating it. Exit 0 with the CSV, 2 on a bad setup or
an unknown channel.
"""

from __future__ import annotations

import argparse
import sys


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bot mood export",
        description="Write a channel's daily mood estimates as CSV to stdout.",
    )
    parser.add_argument("--channel", required=True, help="channel id, e.g. C0123ABCD")
    parser.add_argument("--days", type=int, default=30, help="closed days to export (default 30)")
    parser.add_argument(
        "--team", help="workspace id (needed only when several workspaces have the channel)"
    )
    parser.add_argument("--enterprise", default=None, help="Enterprise Grid org id, if any")
    parser.add_argument("--env-file", default=".env", help="settings file (default .env)")
    args = parser.parse_args(argv)
    if not 1 <= args.days <= 400:
        parser.error("--days must be between 1 and 400")
    return args


def main(argv: list[str]) -> int:
    """Print the CSV; the exit status says whether it could."""
    args = _parse(argv)
    from bot.bootstrap import fail
    from bot.settings import SettingsError, load_env, settings_from_env

    try:  # no Slack token needed: it reads the database only
        settings = settings_from_env(load_env(args.env_file))
    except (SettingsError, ValueError) as err:
        return fail(str(err))
    from sqlalchemy import select

    from bot.mood.export import csv_text
    from bot.mood.service import MoodService
    from bot.mood.workspace import Workspace
    from bot.storage.engine import make_engine
    from bot.storage.migrate import migrate
    from bot.storage.schema import mood_days, mood_weeks

    engine = make_engine(settings.database_url)
    try:
        migrate(engine)
        with engine.connect() as connection:
            found = set()
            for table in (mood_days, mood_weeks):
                query = select(table.c.team_id, table.c.enterprise_id).where(
                    table.c.channel_id == args.channel
                )
                if args.team:
                    query = query.where(table.c.team_id == args.team)
                found |= {tuple(row) for row in connection.execute(query.distinct())}
    except Exception as err:  # noqa: BLE001 - one line, not a traceback
        return fail(f"cannot open the database ({type(err).__name__}): check DATABASE_URL")
    if args.enterprise is not None:
        found = {f for f in found if f[1] == args.enterprise}
    if len(found) > 1:
        teams = ", ".join(sorted(f"{team}/{ent}" if ent else team for team, ent in found))
        return fail(f"channel {args.channel} is in several workspaces ({teams}): pass --team")
    if not found:
        if not args.team:
            return fail(f"nothing stored for channel {args.channel}: check the id, or pass --team")
        found = {(args.team, args.enterprise or "")}
    ((team, enterprise),) = found
    service = MoodService(settings, engine)
    summary = service.summary(Workspace(team, enterprise), args.channel, args.days)
    sys.stdout.write(csv_text(summary))
    sys.stdout.flush()
    engine.dispose()
    return 0
