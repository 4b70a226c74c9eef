"""Token rotation: Bolt's requests, two refreshers at once, and the digest cron refreshing
tokens itself (``python -m bot digest``, a real process)."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta

from bot.console import slack_requests as payloads
from bot.digests import store as digest_store
from bot.install.oauth import Installer
from bot.mood.workspace import Workspace as Scope
from bot.slack.web_api import make_web_client
from bot.storage.engine import make_engine
from tests.bot.install.helpers import KEY, all_rows_text, oauth_app
from tests.bot.install.oauth_slack import (
    CLIENT_ID,
    CLIENT_SECRET,
    OAuthSlack,
    Workspace,
    install,
)
from tests.helpers.logs import debug_log_stream
from tests.helpers.slack_app import REPO, bot_env

HAPPY = "great love excellent wonderful news"


def test_an_expiring_token_is_refreshed_once_on_the_request_path_and_stored_encrypted(
    database_url,
):
    fake = OAuthSlack()
    a = fake.add_workspace(Workspace("code-a", "TAAAA0001", bot_user_id="UBOTA0001", rotation=True))
    with debug_log_stream() as logs, oauth_app(database_url, fake) as served:
        assert install(served.url, a.code)[0] == 200
        first = a.token
        for _ in range(3):
            body = payloads.event_callback(payloads.message_event(HAPPY), team_id=a.team_id)
            served.post(payloads.json_body(body), "application/json")
        fake.wait_for("reactions.add", 3, timeout=10)
        served.settle()
        assert fake.refreshes == 1
        assert a.token != first
        assert {c.token for c in fake.calls("reactions.add")} == {a.token}
        engine = make_engine(database_url)
        stored = all_rows_text(engine)
        assert not any(secret in stored for secret in a.secrets)
        assert not any(secret in logs.getvalue() for secret in a.secrets)
        assert CLIENT_SECRET not in logs.getvalue()
        assert "token_refreshed installation=T::TAAAA0001" in logs.getvalue()
        assert "will be ignored" not in logs.getvalue()  # the app's own client has no token
        engine.dispose()


def test_two_refreshers_at_once_refresh_once_and_use_the_same_token(database_url):
    fake = OAuthSlack()
    a = fake.add_workspace(Workspace("code-a", "TAAAA0001", bot_user_id="UBOTA0001", rotation=True))
    with oauth_app(database_url, fake) as served:
        assert install(served.url, a.code)[0] == 200
        settings = served.settings
        fake.refresh_delay = 0.5  # both are past their first look before either has saved
        got: list[str] = []
        start = threading.Barrier(2)

        def refresher() -> None:
            engine = make_engine(database_url)  # each its own engine, as two processes would
            client = make_web_client(settings)
            clients = Installer.open(settings, engine, client).clients
            start.wait()
            web = clients.client_for(Scope(a.team_id), client)
            assert web is not None
            got.append(web.auth_test()["user_id"] and web.token)
            engine.dispose()

        threads = [threading.Thread(target=refresher) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert fake.refreshes == 1
        assert got == [a.token, a.token]


def _last_monday_0905() -> datetime:
    now = datetime.now(UTC)
    monday = (now - timedelta(days=now.weekday() or 7)).replace(
        hour=9, minute=5, second=0, microsecond=0
    )
    return monday


def test_the_digest_cron_refreshes_an_expiring_token_itself(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    fake = OAuthSlack()
    a = fake.add_workspace(Workspace("code-a", "TAAAA0001", bot_user_id="UBOTA0001", rotation=True))
    with oauth_app(database_url, fake) as served:
        assert install(served.url, a.code)[0] == 200
        engine = make_engine(database_url)
        digest_store.subscribe(
            engine, Scope(a.team_id), "C0000GEN", datetime(2020, 1, 1, tzinfo=UTC)
        )
        digest_store.subscribe(
            engine, Scope("TNOTINST1"), "C0000GEN", datetime(2020, 1, 1, tzinfo=UTC)
        )
        engine.dispose()
        fake.clear()
        env = bot_env(
            SLACK_CLIENT_ID=CLIENT_ID,
            SLACK_CLIENT_SECRET=CLIENT_SECRET,
            SLACK_TOKEN_ENCRYPTION_KEY=KEY,
            SLACK_API_URL=fake.base_url,
            DATABASE_URL=database_url,
        )
        done = subprocess.run(
            [sys.executable, "-m", "bot", "digest", "--now", _last_monday_0905().isoformat()],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert "digests_sent=1" in done.stdout
        assert fake.refreshes == 1
        (post,) = fake.calls("chat.postMessage")
        assert post.token == a.token and post.token == a.tokens[-1]
        assert "no_installation team=TNOTINST1" in done.stderr
        assert not any(secret in done.stderr + done.stdout for secret in a.secrets)
        assert REPO.exists()


def test_a_refused_refresh_gives_no_client_and_one_log_line(tmp_path, caplog):
    database_url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    fake = OAuthSlack()
    a = fake.add_workspace(Workspace("code-a", "TAAAA0001", bot_user_id="UBOTA0001", rotation=True))
    with oauth_app(database_url, fake) as served:
        assert install(served.url, a.code)[0] == 200
        a.refresh_tokens.clear()  # Slack no longer knows the refresh token
        engine = make_engine(database_url)
        client = make_web_client(served.settings)
        clients = Installer.open(served.settings, engine, client).clients
        with caplog.at_level("WARNING", logger="bot.install"):
            assert clients.client_for(Scope(a.team_id), client) is None
        assert "token_refresh_failed installation=T::TAAAA0001" in caplog.text
        assert not any(secret in caplog.text for secret in a.secrets)
        engine.dispose()
