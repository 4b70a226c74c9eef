"""Multi-workspace mode under real gunicorn (two asyncio workers sharing one SQLite file):
installs whose two requests may land on different workers, events per workspace, one that
never installed, tokens scanned for in the database file and the logs, an uninstall."""

from __future__ import annotations

import time

from bot.console import slack_requests as payloads
from bot.storage.engine import make_engine
from tests.bot.install.helpers import KEY, all_rows_text, rows_of, sqlite_bytes
from tests.bot.install.oauth_slack import CLIENT_ID, CLIENT_SECRET, OAuthSlack, Workspace, install
from tests.bot.test_gunicorn import gunicorn_argv
from tests.helpers.slack_app import SECRET, bot_env, bot_process, free_port, post_signed

HAPPY = "great love excellent wonderful news"


def _post(base: str, body: dict) -> int:
    return post_signed(
        base + "/slack/events", SECRET, payloads.json_body(body), "application/json"
    )[0]


def test_gunicorn_installs_two_workspaces_and_uninstalls_one(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    port = free_port()
    with OAuthSlack() as fake:
        a = fake.add_workspace(Workspace("code-a", "TAAAA0001", bot_user_id="UBOTA0001"))
        b = fake.add_workspace(Workspace("code-b", "TBBBB0001", bot_user_id="UBOTB0001"))
        env = bot_env(
            SLACK_CLIENT_ID=CLIENT_ID,
            SLACK_CLIENT_SECRET=CLIENT_SECRET,
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_TOKEN_ENCRYPTION_KEY=KEY,
            SLACK_API_URL=fake.base_url,
            DATABASE_URL=database_url,
            HOST="127.0.0.1",
            PORT=str(port),
            WEB_CONCURRENCY="2",
        )
        with bot_process(gunicorn_argv(), env, tmp_path, port) as (proc, base):
            for workspace in (a, b):
                status, page = install(base, workspace.code)
                assert status == 200, page
            for team in (a.team_id, b.team_id, "TCCCC0001"):
                body = payloads.event_callback(payloads.message_event(HAPPY), team_id=team)
                assert _post(base, body) == 200
            fake.wait_for("reactions.add", 2, timeout=15)
            time.sleep(0.5)
            assert sorted(c.token for c in fake.calls("reactions.add")) == sorted(
                [a.token, b.token]
            )
            assert {c.token for c in fake.calls() if c.token} <= {a.token, b.token}

            engine = make_engine(database_url)
            assert (
                _post(base, payloads.event_callback({"type": "app_uninstalled"}, team_id=a.team_id))
                == 200
            )
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and any(rows_of(engine, a.team_id).values()):
                time.sleep(0.1)
            assert not any(rows_of(engine, a.team_id).values())
            assert rows_of(engine, b.team_id)["slack_bots"] == 1
            stored = all_rows_text(engine) + sqlite_bytes(database_url).decode("latin-1")
            engine.dispose()
            proc.terminate()
            _out, err = proc.communicate(timeout=30)
    assert "no_installation team=TCCCC0001" in err
    for token in [*a.secrets, *b.secrets]:
        assert token not in stored and token not in err
    assert HAPPY not in err
