"""Home tab and backfill costs: ``views.publish`` latency for a viewer in 50 tracked channels,
and backfill speed over a fake history of 100,000 messages with rate limits applied.

- Home: the real Bolt app behind the real WSGI server, a fake Slack on 127.0.0.1, the mood
  record on SQLite and PostgreSQL with ``channels`` x 60 days of synthetic rows, the viewer a
  member of every channel. The clock runs from the signed ``app_home_opened`` POST to the
  ``views.publish`` call arriving at the fake. "warm": each later open; "cold": the first open
  (charts are data visualization blocks in the view since migration 0004: one publish, no
  upload).
- Backfill: ``messages`` messages in one channel of the fake, which enforces a rate limit
  itself (a token bucket answering 429 with Retry-After). Three runs: no limit (the bot's own
  cost: model, filters, database), Slack's Tier 3 (50 requests a minute, 200 messages a page,
  internal and Marketplace apps) for ``tier3_seconds`` and its sustained rate, and the 2025
  limit for non-Marketplace distributed apps (1 request a minute, 15 a page) as arithmetic.
"""

from __future__ import annotations

import json
import statistics
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.fake_slack_server import CountingFakeSlack
from bot.console import slack_requests as payloads
from bot.console.fake_slack import Answer

TEAM = "T0000FAKE"
SECRET = "bench-signing-secret"


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


class RateLimitedSlack(CountingFakeSlack):
    """The fake Web API with a token bucket on ``conversations.history`` (429 + Retry-After)."""

    def __init__(self, per_minute: float | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.per_minute = per_minute
        self._tokens = 1.0
        self._stamp = time.monotonic()
        self._bucket = threading.Lock()
        self.limited = 0

    def _reply(self, method: str, params: dict[str, Any], token: str | None) -> Answer:
        if method != "conversations.history" or not self.per_minute:
            return super()._reply(method, params, token)
        with self._bucket:
            now = time.monotonic()
            rate = self.per_minute / 60
            self._tokens = min(1.0, self._tokens + (now - self._stamp) * rate)
            self._stamp = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return super()._reply(method, params, token)
            self.limited += 1
            wait = max(1, round((1.0 - self._tokens) / rate))
        return Answer(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(wait)})


def _settings(fake: CountingFakeSlack, url: str, **extra: Any):
    from bot.settings import Settings

    return Settings(
        slack_bot_token="xoxb-bench",
        slack_signing_secret=SECRET,
        slack_api_url=fake.base_url,
        database_url=url,
        listener_threads=4,
        **extra,
    )


def _sums(messages: int, positive: int, negative: int) -> dict[str, float]:
    """Share-sum columns: confident messages lean clearly their way, the rest neutral."""
    from bot.mood.estimate import ShareSums

    rest = messages - positive - negative
    probabilities = [(0.85, 0.05, 0.1)] * positive + [(0.05, 0.85, 0.1)] * negative
    row = ShareSums.of(probabilities + [(0.15, 0.1, 0.75)] * rest).to_row()
    return {k: v for k, v in row.items() if k != "messages"}


def _fill(engine, channels: list[str], last) -> None:
    from sqlalchemy import insert

    from bot.storage.schema import mood_days

    rows = [
        {
            "team_id": TEAM,
            "enterprise_id": "",
            "channel_id": channel,
            "day": last - timedelta(days=back),
            "messages": 40 + (back * 7 + i) % 30,
            "positive": 15,
            "negative": 5 + back % 4,
            **_sums(40 + (back * 7 + i) % 30, 15, 5 + back % 4),
            "authors": 6,
        }
        for i, channel in enumerate(channels)
        for back in range(60)
    ]
    with engine.begin() as connection:
        connection.execute(insert(mood_days), rows)


def home_latency(url: str, predictor, channels: int, opens: int) -> dict[str, Any]:
    """Warm and cold ``views.publish`` latency for one viewer in ``channels`` channels."""
    from bot.app import create_app
    from bot.delivery.seen_events import MemorySeenEvents
    from bot.listener_pool import ListenerPool
    from bot.mood.service import MoodService
    from bot.runners.http import create_wsgi_app, make_http_server
    from bot.slack.web_api import make_web_client

    viewer = "UVIEWER01"
    with CountingFakeSlack() as fake:
        settings = _settings(fake, url)
        mood = MoodService.open(settings)
        names = [f"CHOME{i:04d}" for i in range(channels)]
        _fill(mood.engine, names, mood.last_closed_day())
        for name in names:
            fake.add_member(name, viewer)
        pool = ListenerPool(max_workers=4)
        bot = create_app(
            settings,
            predictor,
            make_web_client(settings),
            seen=MemorySeenEvents(),
            listener_pool=pool,
            mood=mood,
        )
        server = make_http_server(create_wsgi_app(bot), "127.0.0.1", 0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        events = f"http://127.0.0.1:{server.server_address[1]}/slack/events"

        def open_home() -> float:
            fake.clear()
            body = payloads.json_body(
                payloads.event_callback(payloads.app_home_opened_event(user=viewer))
            )
            import urllib.request

            started = time.time()
            request = urllib.request.Request(
                events,
                body.encode(),
                {"Content-Type": "application/json", **payloads.sign(SECRET, body)},
            )
            urllib.request.urlopen(request, timeout=10).read()
            first = fake.wait_for("views.publish", 1, timeout=60)[0].at - started
            assert pool.wait_idle(300)
            return first * 1000

        try:
            cold_first = open_home()
            warm = [open_home() for _ in range(opens)]
        finally:
            server.shutdown()
            server.server_close()
            pool.shutdown(wait=True)
            bot.mood.close()
    return {
        "channels": channels,
        "opens": opens,
        "warm_p50_ms": statistics.median(warm),
        "warm_p95_ms": _percentile(warm, 0.95),
        "cold_first_publish_ms": cold_first,
    }


def backfill_speed(
    url: str, predictor, messages: int, *, per_minute: float | None, page_size: int, seconds: float
) -> dict[str, Any]:
    """Messages read per second by one backfill against a rate-limited fake history."""
    from bot.backfill import job as backfill_job
    from bot.backfill import store as backfill_store
    from bot.backfill.history import RequestPacer, make_history_client
    from bot.mood.service import MoodService
    from bot.mood.workspace import Workspace
    from bot.slack.web_api import make_web_client

    channel, ws = "CBACKFILL", Workspace(TEAM)
    words = ["great work", "this is awful", "standup at ten", "love the new release", "broken"]
    with RateLimitedSlack(per_minute=per_minute) as fake:
        settings = _settings(
            fake,
            url,
            backfill_page_size=page_size,
            backfill_days=365,
            backfill_requests_per_minute=per_minute or 1000.0,
        )
        mood = MoodService.open(settings)
        now = datetime.now(UTC)
        start = (now - timedelta(days=300)).timestamp()
        step = (now - timedelta(days=2)).timestamp() - start
        fake.add_history(
            channel,
            [
                {
                    "ts": f"{start + step * i / messages:.6f}",
                    "user": f"U{i % 40:03d}",
                    "text": f"{words[i % 5]} number {i}",
                }
                for i in range(messages)
            ],
        )
        span = backfill_job.window(settings, mood.engine, ws, channel, now)
        _, row = backfill_store.acquire(
            mood.engine,
            ws,
            channel,
            owner="bench",
            oldest_ts=span[0],
            bound_ts=span[1],
            lease=backfill_job.LEASE,
            now=now,
        )
        deadline = time.monotonic() + seconds
        job = backfill_job.BackfillJob(
            settings,
            mood.engine,
            make_web_client(settings),
            make_history_client("xoxb-bench", fake.base_url, 10),
            predictor,
            workspace=ws,
            channel_id=channel,
            bot_user_id="UBOT0001",
            opted_out=mood.opted_out,
            owner="bench",
            pacer=RequestPacer(per_minute or 0),
            should_stop=lambda: time.monotonic() > deadline,
        )
        started = time.perf_counter()
        state = job.run(row)
        elapsed = time.perf_counter() - started
        done = backfill_store.load_job(mood.engine, ws, channel)
        result = {
            "messages_in_history": messages,
            "requests_per_minute": per_minute,
            "page_size": page_size,
            "state": state,
            "messages_read": done.messages_read,
            "messages_counted": done.messages_counted,
            "seconds": elapsed,
            "messages_per_second": done.messages_read / elapsed if elapsed else None,
            "rate_limited_429s": fake.limited,
            "requests": len(fake.calls("conversations.history")),
        }
        mood.close()
    return result


def run(
    workdir: Path, predictor, *, channels: int, opens: int, messages: int, tier3_seconds: float
):
    from benchmarks.postgres import PostgresServer, postgres_bin

    results: dict[str, Any] = {}
    pg = PostgresServer().start() if postgres_bin() else None
    try:
        databases = {"sqlite": lambda n: f"sqlite:///{workdir / f'home-{n}.sqlite3'}"}
        if pg is not None:
            databases["postgresql"] = lambda n: pg.new_database()
        for name, make_url in databases.items():
            results[name] = {"home": home_latency(make_url("home"), predictor, channels, opens)}
        sqlite = databases["sqlite"]
        results["backfill_unlimited"] = backfill_speed(
            sqlite("bf1"), predictor, messages, per_minute=None, page_size=200, seconds=3600
        )
        results["backfill_tier3"] = backfill_speed(
            sqlite("bf2"), predictor, messages, per_minute=50, page_size=200, seconds=tier3_seconds
        )
        results["backfill_non_marketplace_projection"] = {
            "requests_per_minute": 1,
            "page_size": 15,
            "messages_per_second": 15 / 60,
            "days_for_messages": messages / 15 / 60 / 24,
        }
    finally:
        if pg is not None:
            pg.destroy()
    return results


if __name__ == "__main__":  # python -m benchmarks.home_bench: a quick run on its own
    import tempfile

    import model

    folder = Path(tempfile.mkdtemp(prefix="home-bench-"))
    print(
        json.dumps(
            run(
                folder,
                model.load_predictor(),
                channels=50,
                opens=20,
                messages=100_000,
                tier3_seconds=60,
            ),
            indent=2,
        )
    )
