"""Install and uninstall time in multi-workspace mode (issue 17's "the install and uninstall time").

The real Bolt app in multi-workspace mode behind the real WSGI server, a fake Slack on
127.0.0.1 that serves ``oauth.v2.access`` (a code per workspace, a fresh random bot token each)
and ``auth.test`` per token, and the installations on SQLite (``DATABASE_URL``'s default kind).

- Install: the clock runs from a browser's ``GET /slack/install`` (the state cookie) through
  ``GET /slack/oauth_redirect?code=...&state=...`` (the code exchanged, the installation
  encrypted and saved) to its 200 page; one workspace after another.
- Uninstall: each installed workspace also has rows of its own (a switched-off channel, a
  digest subscription, an opt-out); the clock runs from the signed ``app_uninstalled`` POST
  until no table holds a row with that ``team_id`` any more (the installation, its bot and
  those rows; polled every 5 ms), one workspace after another.

``install_uninstall_times(database_url, n)`` returns p50/p95 seconds for both; ``python -m
benchmarks.install_bench [--n 20]`` prints them as JSON (not part of ``scripts/bench.py``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from benchmarks.fake_slack_server import InstallingSlack
from benchmarks.processes import CLIENT_ID, CLIENT_SECRET
from bot.console import slack_requests as payloads

SECRET = "bench-signing-secret"
STATE_COOKIE = "slack-app-oauth-state"
POLL_SECONDS = 0.005


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _get(url: str, cookie: str | None = None) -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            headers = {k.lower(): v for k, v in response.headers.items()}
            return response.status, headers, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, {k.lower(): v for k, v in err.headers.items()}, err.read().decode()


def install(base: str, team: str) -> None:
    """One install as a browser does it: the install page (state cookie), then the redirect."""
    status, headers, page = _get(base + "/slack/install")
    if status != 200:
        raise RuntimeError(f"/slack/install answered {status}")
    state = SimpleCookie(headers["set-cookie"])[STATE_COOKIE].value
    query = urlencode({"code": f"code-{team}", "state": state})
    status, _, page = _get(f"{base}/slack/oauth_redirect?{query}", f"{STATE_COOKIE}={state}")
    if status != 200:
        raise RuntimeError(f"/slack/oauth_redirect answered {status} for {team}")


def _post_uninstalled(events_url: str, team: str) -> None:
    body = payloads.json_body(payloads.event_callback({"type": "app_uninstalled"}, team_id=team))
    headers = {"Content-Type": "application/json", **payloads.sign(SECRET, body)}
    request = urllib.request.Request(events_url, body.encode(), headers, method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        if response.status != 200:
            raise RuntimeError(f"app_uninstalled answered {response.status}")


def _rows_left(engine, tables, team: str) -> int:
    from sqlalchemy import func, select

    with engine.connect() as connection:
        return sum(
            connection.execute(
                select(func.count()).select_from(table).where(table.c.team_id == team)
            ).scalar_one()
            for table in tables
        )


def _seconds(values: list[float]) -> dict[str, float]:
    return {
        "p50_s": round(statistics.median(values), 4),
        "p95_s": round(_percentile(values, 0.95), 4),
    }


def install_uninstall_times(database_url: str, n: int = 20) -> dict[str, Any]:
    """Time ``n`` installs through the two routes, then ``n`` uninstalls until the rows are gone."""
    from cryptography.fernet import Fernet
    from sqlalchemy import MetaData, Table

    from bot.app import create_app
    from bot.delivery.seen_events import MemorySeenEvents
    from bot.digests import store as digest_store
    from bot.install.uninstall import workspace_tables
    from bot.listener_pool import ListenerPool
    from bot.mood import store as mood_store
    from bot.mood.service import MoodService
    from bot.mood.workspace import Workspace
    from bot.runners.http import create_wsgi_app, make_http_server
    from bot.settings import Settings
    from bot.slack.web_api import make_web_client

    teams = [f"T0BENCH{i:04d}" for i in range(n)]
    with InstallingSlack() as fake:
        settings = Settings(
            database_url=database_url,
            slack_bot_token="",
            slack_client_id=CLIENT_ID,
            slack_client_secret=CLIENT_SECRET,
            slack_token_encryption_key=Fernet.generate_key().decode(),
            slack_signing_secret=SECRET,
            slack_api_url=fake.base_url,
            listener_threads=4,
            dedupe_db="",
        )

        class _NoModel:  # nothing here is judged: installs and uninstalls only
            def predict(self, texts: list[str]) -> list:
                raise RuntimeError("not used by the install benchmark")

        pool = ListenerPool(max_workers=settings.listener_threads)
        bot = create_app(
            settings,
            _NoModel(),
            make_web_client(settings),
            seen=MemorySeenEvents(),
            listener_pool=pool,
            mood=MoodService.open(settings),
        )
        server = make_http_server(create_wsgi_app(bot), "127.0.0.1", 0)
        threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        base = f"http://127.0.0.1:{server.server_address[1]}"
        engine = bot.mood.engine
        installs: list[float] = []
        uninstalls: list[float] = []
        try:
            for team in teams:
                started = time.perf_counter()
                install(base, team)
                installs.append(time.perf_counter() - started)
            metadata = MetaData()
            tables = [
                Table(name, metadata, autoload_with=engine) for name in workspace_tables(engine)
            ]
            now = datetime.now(UTC)
            for team in teams:  # rows of its own, so an uninstall has more than its token to delete
                workspace = Workspace(team)
                mood_store.set_channel_tracking(engine, workspace, "C0BENCH01", False)
                mood_store.set_opted_out(engine, workspace, "U0BENCH01", True)
                digest_store.subscribe(engine, workspace, "C0BENCH02", now)
                if _rows_left(engine, tables, team) < 5:
                    raise RuntimeError(f"{team}: the installation or its rows are missing")
            for team in teams:
                started = time.perf_counter()
                _post_uninstalled(base + "/slack/events", team)
                deadline = started + 30
                while _rows_left(engine, tables, team):
                    if time.perf_counter() > deadline:
                        raise RuntimeError(f"{team}: rows still there after 30 s")
                    time.sleep(POLL_SECONDS)
                uninstalls.append(time.perf_counter() - started)
        finally:
            server.shutdown()
            server.server_close()
            pool.shutdown(wait=True)
            bot.mood.close()
    return {
        "database": database_url.split(":", 1)[0],
        "workspaces": n,
        "install": _seconds(installs),
        "uninstall_until_rows_gone": _seconds(uninstalls),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.install_bench",
        description="Time installs through /slack/install + /slack/oauth_redirect and uninstalls.",
    )
    parser.add_argument("--n", type=int, default=20, help="workspaces to install (default 20)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="install-bench-") as folder:
        url = f"sqlite:///{Path(folder) / 'install.sqlite3'}"
        print(json.dumps(install_uninstall_times(url, args.n), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
