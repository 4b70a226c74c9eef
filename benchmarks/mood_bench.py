"""The mood record's costs: load with counting on (SQLite, PostgreSQL) against counting off,
``/sentiment mood 90d`` answer time among 1,000 channels with a year of history, bytes per
channel-year.

- Load: the bot benchmark's fixed-rate and burst phases (``bot_bench.run``) three times, with
  ``MOOD_TRACKING=off``, then on with a SQLite file, then on with PostgreSQL (a throwaway server
  on a free port, like the tests').
- Answer time: a database filled with ``channels`` x 365 days of synthetic rows; the real Bolt
  app in this process gets signed ``/sentiment mood 90d`` commands for random channels and the
  clock runs from the dispatch to the ``response_url`` post at the fake Slack, which comes after
  the summary query, the chart (matplotlib) and its upload. The first answer (matplotlib's
  import) is reported apart.
- Size: the SQLite file after a checkpoint, and ``pg_total_relation_size`` of ``mood_days``,
  divided by the channel count.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from benchmarks import bot_bench

TEAM = "TBENCH001"


def _sums(messages: int, mean_positive: float) -> dict[str, float]:
    """Share-sum columns for ``messages`` messages around ``mean_positive``."""
    p = (mean_positive, (1 - mean_positive) / 2, (1 - mean_positive) / 2)
    return {
        **{
            f"p_{c}": messages * v
            for c, v in zip(("positive", "negative", "neutral"), p, strict=True)
        },
        **{
            f"p2_{c}": messages * v * v
            for c, v in zip(("positive", "negative", "neutral"), p, strict=True)
        },
    }


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def fill(engine, channels: int, days: int, last: date, seed: int = 1) -> float:
    """Insert ``channels`` x ``days`` synthetic day rows; seconds taken."""
    from bot.storage.schema import mood_days

    rng = random.Random(seed)
    started = time.perf_counter()
    with engine.begin() as connection:
        for c in range(channels):
            rows = []
            for back in range(days):
                messages = rng.randint(0, 80)
                if messages == 0:
                    continue
                rows.append(
                    {
                        "team_id": TEAM,
                        "enterprise_id": "",
                        "channel_id": f"CB{c:07d}",
                        "day": last - timedelta(days=back),
                        "messages": messages,
                        "positive": messages // 3,
                        "negative": messages // 6,
                        **_sums(messages, rng.uniform(0.4, 0.7)),
                        "authors": rng.randint(1, 15),
                    }
                )
            connection.execute(mood_days.insert(), rows)
    return time.perf_counter() - started


def size_per_channel_year(engine, url: str, channels: int) -> dict[str, Any]:
    if engine.dialect.name == "sqlite":
        with engine.begin() as connection:
            connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        path = Path(engine.url.database)
        total = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
        how = "SQLite file size after a WAL checkpoint"
    else:
        with engine.connect() as connection:
            total = connection.execute(
                text("SELECT pg_total_relation_size('mood_days')")
            ).scalar_one()
        how = "pg_total_relation_size('mood_days') (table, primary key, day index)"
    return {"bytes_total": int(total), "bytes_per_channel_year": total / channels, "method": how}


def answer_times(url: str, channels: int, calls: int, model_path: str | None) -> dict[str, Any]:
    """Fill, then time signed ``/sentiment mood 90d`` commands through the real app."""
    from slack_bolt import BoltRequest

    import model
    from benchmarks.fake_slack_server import CountingFakeSlack
    from bot.app import create_app
    from bot.console import slack_requests as payloads
    from bot.settings import Settings

    now = datetime.now(UTC)
    with CountingFakeSlack(team_id=TEAM) as fake:
        settings = Settings(
            slack_bot_token="xoxb-bench",
            slack_signing_secret="bench-secret",
            slack_api_url=fake.base_url,
            database_url=url,
        )
        bot = create_app(settings, model.load_predictor(model_path))
        service = bot.mood
        filled = fill(service.engine, channels, 365, service.last_closed_day())
        size = size_per_channel_year(service.engine, url, channels)
        rng = random.Random(2)
        times: list[float] = []
        png_bytes = 0
        for i in range(calls + 1):
            channel = f"CB{rng.randrange(channels):07d}"
            fields = payloads.slash_command(
                "mood 90d",
                response_url=fake.response_url(f"m{i}"),
                channel_id=channel,
                team_id=TEAM,
            )
            body = payloads.form_body(fields)
            headers = payloads.sign(settings.slack_signing_secret, body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            before = len(fake.calls("response_url"))
            started = time.perf_counter()
            bot.app.dispatch(BoltRequest(body=body, headers=headers))
            fake.wait_for("response_url", count=before + 1, timeout=60)
            times.append((time.perf_counter() - started) * 1000)
            assert "messages counted" in fake.calls("response_url")[-1].params["text"]
        png_bytes = max(len(f.data or b"") for f in fake.files.values())
        uploads = sum(1 for f in fake.files.values() if f.completed)
        service.close()
    first, rest = times[0], times[1:]
    return {
        "channels": channels,
        "days_per_channel": 365,
        "fill_seconds": filled,
        "calls": len(rest),
        "first_ms_incl_matplotlib_import": first,
        "p50_ms": statistics.median(rest),
        "p95_ms": _percentile(rest, 0.95),
        "max_ms": max(rest),
        "charts_uploaded": uploads,
        "png_bytes": png_bytes,
        "size": size,
        "measured_at": now.isoformat(timespec="seconds"),
    }


def run(
    workdir: Path,
    *,
    bot_args: dict[str, Any] | None,
    channels: int,
    calls: int,
    model_path: str | None,
) -> dict[str, Any]:
    """Every mood figure, on SQLite and (when installed) PostgreSQL."""
    from benchmarks.postgres import PostgresServer, postgres_bin

    results: dict[str, Any] = {}
    pg = PostgresServer().start() if postgres_bin() else None
    try:
        databases = {"sqlite": f"sqlite:///{workdir / 'mood-bench.sqlite3'}"}
        if pg is not None:
            databases["postgresql"] = pg.new_database()
        else:
            results["postgresql"] = {"skipped": "PostgreSQL is not installed"}
        if bot_args is not None:
            off_url = f"sqlite:///{workdir / 'mood-off.sqlite3'}"
            results["load_counting_off"] = bot_bench.run(
                workdir,
                **bot_args,
                extra_settings={"MOOD_TRACKING": "off", "DATABASE_URL": off_url},
            )
        for name, url in databases.items():
            entry: dict[str, Any] = {}
            if bot_args is not None:
                load_url = url if name == "sqlite" else pg.new_database()
                if name == "sqlite":
                    load_url = f"sqlite:///{workdir / 'mood-load.sqlite3'}"
                entry["load_counting_on"] = bot_bench.run(
                    workdir,
                    **bot_args,
                    extra_settings={"MOOD_TRACKING": "on", "DATABASE_URL": load_url},
                )
            entry["answer_90d"] = answer_times(url, channels, calls, model_path)
            results[name] = {**results.get(name, {}), **entry}
    finally:
        if pg is not None:
            pg.destroy()
    return results
