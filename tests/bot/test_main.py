"""``python -m bot`` startup: bad setups exit non-zero with one line saying what to fix.

These run the real command in a subprocess with a clean environment (no .env: the working
directory is a temporary one). Starting against Slack with a real model is covered in
tests/test_bot_real_model.py.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.bootstrap import StartupError, check_slack_auth, load_model
from bot.settings import Settings
from tests.helpers.fake_slack import FakeSlack
from tests.helpers.slack_app import check_http_bot_process

REPO = Path(__file__).resolve().parents[2]


def run_bot(env: dict[str, str], *args: str, cwd: Path, timeout: float = 30, stdin: str = ""):
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MODEL_"))}
    clean_env.update(env)
    clean_env["PYTHONPATH"] = str(REPO)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=clean_env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        input=stdin,
    )


@pytest.fixture
def model_dir(tmp_path):
    """An existing (if empty) MODEL_PATH, so settings checks get past the artifact check."""
    path = tmp_path / "model"
    path.mkdir()
    return path


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"SLACK_BOT_TOKEN": "xoxp-123"}, "SLACK_BOT_TOKEN must start with xoxb-"),
        ({"SLACK_BOT_TOKEN": "xoxb-123"}, "SLACK_SIGNING_SECRET is not set"),
        ({"SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN is not set"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "bad"}, "SLACK_APP_TOKEN must start"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "PORT": "x"}, "PORT must be"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "MODEL_PATH": "/no/such/dir"}, "MODEL_PATH=/no/such/dir"),
    ],
)
def test_bad_settings_exit_with_one_line(tmp_path, env, expected):
    result = run_bot(env, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: " + expected), result.stderr


def test_missing_model_artifact_exits_with_one_line(tmp_path):
    empty = tmp_path / "artifact"
    empty.mkdir()
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "MODEL_PATH": str(empty)}
    result = run_bot(env, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "model artifact" in lines[0], result.stderr


def test_dotenv_file_is_read(tmp_path):
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxp-from-dotenv\n")
    result = run_bot({}, cwd=tmp_path)
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN must start with xoxb-" in result.stderr


def test_unreachable_slack_api_is_one_actionable_error():
    settings = Settings(
        slack_bot_token="xoxb-1", slack_signing_secret="s", slack_api_url="http://127.0.0.1:9/api/"
    )
    with pytest.raises(StartupError) as info:
        check_slack_auth(settings)
    message = str(info.value)
    assert message.startswith("cannot reach the Slack Web API at http://127.0.0.1:9/api/")
    assert "\n" not in message


def test_rejected_token_is_one_actionable_error():
    with FakeSlack() as fake:
        fake.fail("auth.test", error="invalid_auth")
        settings = Settings(
            slack_bot_token="xoxb-1", slack_signing_secret="s", slack_api_url=fake.base_url
        )
        with pytest.raises(StartupError, match=r"Slack rejected SLACK_BOT_TOKEN \(invalid_auth\)"):
            check_slack_auth(settings)
        assert fake.calls("auth.test")[0].token == "xoxb-1"


def test_accepted_token_returns_the_bot_identity():
    with FakeSlack() as fake:
        settings = Settings(
            slack_bot_token="xoxb-1", slack_signing_secret="s", slack_api_url=fake.base_url
        )
        assert check_slack_auth(settings)["user_id"] == fake.bot_user_id


def test_missing_model_artifact_is_one_actionable_error(tmp_path):
    settings = Settings(model_path=str(tmp_path / "missing"))
    with pytest.raises(StartupError, match="model artifact not found at .*missing: train it"):
        load_model(settings)


LAUNCH_WITH_KEYWORD_MODEL = (
    "import sys, bot.bootstrap, tests.helpers.slack_app;"
    "bot.bootstrap.load_model = lambda settings: tests.helpers.slack_app.KeywordPredictor();"
    "from bot.__main__ import main; sys.exit(main())"
)


def test_http_mode_process_end_to_end(tmp_path):
    """`python -m bot`'s HTTP path, as the acceptance checks drive it, with the stand-in model."""
    logs = check_http_bot_process(
        [sys.executable, "-c", LAUNCH_WITH_KEYWORD_MODEL],
        tmp_path,
        "what a wonderful and happy day",
        "this build is terrible and broken",
    )
    assert "http_mode listening=" in logs and "surface=command" in logs
    assert "wonderful" not in logs and "terrible" not in logs


def test_import_bot_is_light():
    code = (
        "import sys, bot, bot.app, bot.slack.text, bot.replies, bot.settings;"
        "heavy = [m for m in ('numpy', 'model.predictor', 'tensorflow') if m in sys.modules];"
        "print(heavy)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=30
    )
    assert result.stdout.strip() == "[]", result.stderr


def test_slack_text_needs_no_sdk():
    code = (
        "import sys, bot.slack.text;"
        "print([m for m in sys.modules if m.startswith(('slack_sdk', 'slack_bolt', 'numpy'))])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=30
    )
    assert result.stdout.strip() == "[]", result.stderr


def test_wsgi_factory_for_gunicorn(tmp_path, monkeypatch):
    """`bot.runners.wsgi.build_bot()` builds the same HTTP app from the environment."""
    import threading

    import bot.bootstrap
    from bot.console import slack_requests as payloads
    from bot.runners.http import create_wsgi_app, make_http_server
    from bot.runners.wsgi import build_bot
    from tests.helpers.slack_app import KeywordPredictor, post_signed

    monkeypatch.setattr(bot.bootstrap, "load_model", lambda settings: KeywordPredictor())
    with FakeSlack() as fake:
        for name, value in {
            "SLACK_BOT_TOKEN": "xoxb-gunicorn",
            "SLACK_SIGNING_SECRET": "wsgi-secret",
            "SLACK_API_URL": fake.base_url,
        }.items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
        root = logging.getLogger()
        saved = list(root.handlers), root.level
        try:
            wsgi = create_wsgi_app(build_bot(env_file=str(tmp_path / "none.env")))
        finally:
            root.handlers[:] = saved[0]
            root.setLevel(saved[1])
        server = make_http_server(wsgi, "127.0.0.1", 0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            url = f"http://127.0.0.1:{server.server_address[1]}/slack/events"
            fields = payloads.slash_command(
                "this is great and good", response_url=fake.response_url()
            )
            body = payloads.form_body(fields)
            assert (
                post_signed(url, "wsgi-secret", body, "application/x-www-form-urlencoded")[0] == 200
            )
            (answer,) = fake.wait_for("response_url")
            assert answer.params["text"].startswith("Positive")
        finally:
            server.shutdown()
            server.server_close()


def test_wsgi_factory_refuses_socket_mode(monkeypatch, tmp_path, capsys):
    from bot.runners.wsgi import build_bot

    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1")
    with pytest.raises(SystemExit) as info:
        build_bot(env_file=str(tmp_path / "none.env"))
    assert info.value.code == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("error: SLACK_APP_TOKEN is set: Socket Mode runs with `python -m bot`")


def test_socket_mode_process_end_to_end(tmp_path):
    """`python -m bot` with SLACK_APP_TOKEN connects over Socket Mode and answers through it."""
    from bot.console import slack_requests as payloads
    from tests.helpers.slack_app import SocketSlack, bot_env

    ws = SocketSlack()
    try:
        with FakeSlack(socket_url=f"ws://127.0.0.1:{ws.port}/link/?ticket=p") as fake:
            env = bot_env(
                SLACK_BOT_TOKEN="xoxb-socket",
                SLACK_APP_TOKEN="xapp-1-socket",
                SLACK_API_URL=fake.base_url,
            )
            proc = subprocess.Popen(
                [sys.executable, "-c", LAUNCH_WITH_KEYWORD_MODEL],
                env=env,
                cwd=tmp_path,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            try:
                assert ws.connected.wait(30), "the bot never opened its Socket Mode connection"
                fields = payloads.slash_command(
                    "this is great and good", response_url=fake.response_url()
                )
                ws.ack_for(ws.send("slash_commands", fields), timeout=10)
                (answer,) = fake.wait_for("response_url", timeout=10)
                assert answer.params["text"].startswith("Positive")
                assert fake.calls("apps.connections.open")[0].token == "xapp-1-socket"
            finally:
                proc.terminate()
                try:
                    proc.communicate(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.communicate()
    finally:
        ws.close()


# -- python -m bot migrate: the explicit schema step of an upgrade (docs/deploy.md) ----------


def test_migrate_brings_the_database_to_head_once_then_says_so(tmp_path, database_url):
    from sqlalchemy import text

    from bot.storage import HEAD
    from bot.storage.engine import make_engine

    first = run_bot({"DATABASE_URL": database_url}, "migrate", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout == f"database_migrated from=empty to={HEAD}\n"
    again = run_bot({"DATABASE_URL": database_url}, "migrate", cwd=tmp_path)
    assert again.returncode == 0 and again.stdout == f"database_at_head revision={HEAD}\n"
    # A rollback after an upgrade: the schema is newer than this code. Exit 2, one line.
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099_from_later'"))
    engine.dispose()
    newer = run_bot({"DATABASE_URL": database_url}, "migrate", cwd=tmp_path)
    assert newer.returncode == 2 and newer.stdout == ""
    assert newer.stderr.startswith("error: cannot use the database ")
    assert "the database is at schema revision 0099_from_later" in newer.stderr
    assert "restore the backup" in newer.stderr and len(newer.stderr.splitlines()) == 1
    assert "restore the backup" in newer.stderr and len(newer.stderr.splitlines()) == 1
    # The digest job refuses it with the same line (it migrates before it runs).
    digest = run_bot(
        {"DATABASE_URL": database_url, "SLACK_BOT_TOKEN": "xoxb-digest"},
        "digest",
        "--env-file",
        "",
        cwd=tmp_path,
    )
    assert digest.returncode == 2 and digest.stderr == newer.stderr


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgresql://bot:s3cret@127.0.0.1:9/bot",
            "error: cannot use the database postgresql+psycopg://bot:***@127.0.0.1:9/bot: "
            "connection refused: check that the server is up and reachable, then run it again",
        ),
        ("mysql://bot@db/bot", "error: DATABASE_URL"),
    ],
)
def test_migrate_errors_are_one_line_exit_2_without_the_password(tmp_path, url, expected):
    result = run_bot({"DATABASE_URL": url}, "migrate", cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith(expected) and len(result.stderr.splitlines()) == 1
    assert "s3cret" not in result.stderr


def test_migrate_help_and_the_default_database(tmp_path):
    helped = run_bot({}, "migrate", "--help", cwd=tmp_path)
    assert helped.returncode == 0 and "python -m bot migrate" in helped.stdout
    default = run_bot({"DATABASE_URL": ""}, "migrate", cwd=tmp_path)
    assert default.returncode == 0, default.stderr
    assert (tmp_path / "data" / "bot.sqlite3").exists()  # DATABASE_URL empty: data/bot.sqlite3
