"""Draw the docs' mood chart examples from the console demo's month of #general (no Slack).

    .venv/bin/python scripts/mood_chart_example.py [--out-dir docs] [--now 2026-12-05T12:00Z]

The same data ``python -m bot --console --demo`` shows: ``bot.console.demo.demo_history`` (a
fixed seed, days counted back from the newest closed day) served by the console's fake Slack
through ``conversations.history``, read in by the real backfill (``bot.backfill.job``: the live
counting rule, the shipped model and its calibration, days below the minimum group size folded
into their week) into a temporary SQLite database. Then, from ``MoodService.summary``:

- ``docs/mood-chart-example.png``: the 30-day PNG (the one ``/sentiment mood 90d`` uploads,
  drawn here for 30 days so the demo month fills it);
- ``docs/mood-blocks-example.json``: the data visualization blocks a 30-day reply carries;
- the reply's text on stdout.

``--now`` fixes the day the month is counted back from, so the files are reproducible.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DEFAULT_NOW = "2026-12-05T12:00:00+00:00"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", default="docs")
    parser.add_argument("--now", default=DEFAULT_NOW, help="ISO time the demo month ends before")
    args = parser.parse_args()
    now = datetime.fromisoformat(args.now).astimezone(UTC)

    import model
    from bot.backfill import job as backfill_job
    from bot.backfill import store as backfill_store
    from bot.backfill.history import make_history_client
    from bot.console.demo import demo_history
    from bot.console.fake_slack import FakeSlack
    from bot.console.roster import CHANNELS, PEOPLE
    from bot.mood.charts.blocks import chart_blocks
    from bot.mood.charts.draw import render_png
    from bot.mood.replies import summary_text
    from bot.mood.service import MoodService
    from bot.mood.workspace import Workspace
    from bot.settings import Settings
    from bot.storage.engine import make_engine
    from bot.storage.migrate import migrate

    general = CHANNELS[0]
    ids = {p.name: p.id for p in PEOPLE}
    people = [ids[name] for name in general.members]
    with tempfile.TemporaryDirectory() as tmp, FakeSlack() as fake:
        settings = Settings(
            database_url=f"sqlite:///{Path(tmp) / 'demo.sqlite3'}",
            slack_api_url=fake.base_url,
            slack_bot_token="xoxb-demo",
            backfill_requests_per_minute=6000,
        )
        history = demo_history(now, ZoneInfo(settings.mood_timezone), people)
        fake.add_history(general.id, history)
        engine = make_engine(settings.database_url)
        migrate(engine)
        workspace = Workspace(fake.team_id)
        mood = MoodService(settings, engine, clock=lambda: now)
        oldest, bound = backfill_job.window(settings, engine, workspace, general.id, now)
        _, row = backfill_store.acquire(
            engine,
            workspace,
            general.id,
            owner="example",
            oldest_ts=oldest,
            bound_ts=bound,
            lease=backfill_job.LEASE,
        )
        client = make_history_client(settings.slack_bot_token, fake.base_url, 10)
        job = backfill_job.BackfillJob(
            settings,
            engine,
            client,
            client,
            model.load_predictor(),
            workspace=workspace,
            channel_id=general.id,
            bot_user_id=fake.bot_user_id,
            opted_out=lambda _ws, _user: False,
            owner="example",
            clock=lambda: now,
        )
        assert job.run(row) == "done"
        summary = mood.summary(workspace, general.id, 30)
        out = Path(args.out_dir)
        png = out / "mood-chart-example.png"
        png.write_bytes(render_png(summary, f"#{general.name} \u2014 mood, last 30 days"))
        blocks = out / "mood-blocks-example.json"
        blocks.write_text(json.dumps(chart_blocks(summary), indent=2) + "\n")
        engine.dispose()
    print(f"wrote {png} and {blocks} from {len(history)} demo messages")
    print(summary_text(summary, general.id))
    return 0


if __name__ == "__main__":
    sys.exit(main())
