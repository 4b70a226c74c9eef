"""Multi-workspace mode's start: keygen, rekey, one-line exit 2 on a bad setup, the install
routes behind the gate (both servers, and beside a Socket Mode connection)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.install.crypto import EncryptionKeyError, TokenCipher
from bot.install.store import rekey_stored_tokens
from bot.runners.asgi import create_asgi_app
from bot.storage.engine import make_engine
from tests.bot.install.helpers import KEY, all_rows_text, oauth_app
from tests.bot.install.oauth_slack import (
    CLIENT_ID,
    CLIENT_SECRET,
    OAuthSlack,
    Workspace,
    get,
    install,
)
from tests.helpers.slack_app import SocketSlack, bot_env, bot_process, free_port, served_app

REPO = Path(__file__).resolve().parents[3]


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=bot_env(**env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_keygen_prints_a_fernet_key(tmp_path):
    done = _run(["keygen"], {}, tmp_path)
    assert done.returncode == 0, done.stderr
    key = done.stdout.strip()
    assert Fernet(key.encode()).decrypt(Fernet(key.encode()).encrypt(b"x")) == b"x"


OAUTH = {
    "SLACK_CLIENT_ID": CLIENT_ID,
    "SLACK_CLIENT_SECRET": CLIENT_SECRET,
    "SLACK_SIGNING_SECRET": "s",
    "SLACK_TOKEN_ENCRYPTION_KEY": KEY,
}


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"SLACK_CLIENT_ID": CLIENT_ID, "SLACK_SIGNING_SECRET": "s"}, "SLACK_CLIENT_SECRET is not"),
        ({"SLACK_CLIENT_SECRET": "x", "SLACK_SIGNING_SECRET": "s"}, "SLACK_CLIENT_ID is not set"),
        ({**OAUTH, "SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_BOT_TOKEN and SLACK_CLIENT_ID are both"),
        ({**OAUTH, "SLACK_SIGNING_SECRET": ""}, "SLACK_SIGNING_SECRET is not set"),
        ({**OAUTH, "SLACK_TOKEN_ENCRYPTION_KEY": ""}, "SLACK_TOKEN_ENCRYPTION_KEY is not set"),
        ({**OAUTH, "SLACK_TOKEN_ENCRYPTION_KEY": "abc"}, "SLACK_TOKEN_ENCRYPTION_KEY key 1 of 1"),
        (
            {**OAUTH, "SLACK_TOKEN_ENCRYPTION_KEY": f"{KEY},nope"},
            "SLACK_TOKEN_ENCRYPTION_KEY key 2 of 2",
        ),
    ],
)
def test_a_bad_multi_workspace_setup_exits_2_with_one_line(tmp_path, env, expected):
    for args in ([], ["digest"]):
        if args and "SIGNING" in expected:
            continue  # the cron job needs no signing secret
        done = _run(args, {"MODEL_PATH": "", **env}, tmp_path)
        lines = done.stderr.strip().splitlines()
        assert done.returncode == 2, done.stderr
        assert len(lines) == 1 and lines[0].startswith("error: " + expected), done.stderr


def test_rekey_moves_every_token_to_the_first_key(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    fake = OAuthSlack()
    a = fake.add_workspace(Workspace("code-a", "TAAAA0001", rotation=True))
    with oauth_app(database_url, fake) as served:
        assert install(served.url, a.code)[0] == 200
    new = Fernet.generate_key().decode()
    engine = make_engine(database_url)
    assert rekey_stored_tokens(CLIENT_ID, f"{new},{KEY}", engine) == 2  # installation + bot
    with pytest.raises(EncryptionKeyError):
        _open_all(engine, KEY)
    assert a.token in _open_all(engine, new)
    assert a.token not in all_rows_text(engine)
    engine.dispose()


def _open_all(engine, keys: str) -> str:
    from sqlalchemy import text

    cipher = TokenCipher(keys)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT bot_token, bot_refresh_token FROM slack_bots")).all()
    return " ".join(cipher.decrypt(value) or "" for row in rows for value in row)


def test_the_install_routes_are_guarded_and_absent_in_single_token_mode(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    import urllib.request

    with oauth_app(database_url, OAuthSlack()) as served:
        post = urllib.request.Request(served.url + "/slack/install", data=b"x", method="POST")
        try:
            urllib.request.urlopen(post, timeout=5)
        except urllib.error.HTTPError as err:
            assert err.code == 405
        assert get(served.url + "/slack/oauth_redirect?code=" + "x" * 5000)[0] == 400
        status, _, page = get(served.url + "/slack/oauth_redirect?code=c&state=forged")
        assert status == 400 and "oauth flow" in page.lower()  # no cookie, no stored state
        assert served.fake.calls("oauth.v2.access") == []
    with served_app() as single:
        assert get(single.url + "/slack/install")[0] == 404


def test_gunicorns_asgi_app_serves_the_install_routes(tmp_path):
    """The ASGI app gunicorn runs, called directly: the install page and its state cookie."""
    from bot.app import create_app
    from tests.helpers.slack_app import KeywordPredictor, make_settings

    database_url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    from tests.bot.install.helpers import oauth_overrides

    with OAuthSlack() as fake:
        settings = make_settings(fake, **oauth_overrides(database_url))
        bot = create_app(settings, KeywordPredictor())
        app = create_asgi_app(bot)
        sent: list[dict] = []

        async def receive() -> dict:
            return {"type": "http.request", "body": b""}

        async def send(message: dict) -> None:
            sent.append(message)

        scope = {"type": "http", "method": "GET", "path": "/slack/install", "headers": []}
        asyncio.run(app(scope, receive, send))
        bot.pool.shutdown(wait=True)
        bot.mood.close()
    start = sent[0]
    assert start["status"] == 200
    assert any(name == b"set-cookie" for name, _ in start["headers"])
    assert b"slack.com/oauth/v2/authorize" in sent[1]["body"]


def test_socket_mode_with_oauth_serves_the_install_routes_over_http_beside(tmp_path):
    ws = SocketSlack()
    port = free_port()
    database_url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    with OAuthSlack(socket_url=f"ws://127.0.0.1:{ws.port}/link/?ticket=t-1") as fake:
        a = fake.add_workspace(Workspace("code-a", "TAAAA0001"))
        env = bot_env(
            **{**OAUTH, "SLACK_SIGNING_SECRET": ""},
            SLACK_APP_TOKEN="xapp-1-test",
            SLACK_API_URL=fake.base_url,
            DATABASE_URL=database_url,
            PORT=str(port),
            HOST="127.0.0.1",
        )
        argv = [sys.executable, "-m", "bot"]
        with bot_process(argv, env, tmp_path, port) as (proc, base):
            assert ws.connected.wait(20)
            assert install(base, a.code)[0] == 200
            proc.terminate()
            _out, err = proc.communicate(timeout=20)
    ws.close()
    assert a.token not in err
    engine = make_engine(database_url)
    assert "TAAAA0001" in all_rows_text(engine)
    engine.dispose()
    assert os.path.exists(REPO / "slack_manifest.json")
