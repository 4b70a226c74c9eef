"""``/sentiment mood export`` through the real app (signed slash command; the fake Slack keeps
the uploaded bytes) and ``python -m bot mood export`` on stdout: the exact header, the shown
days only, fractions with their 90% bounds, the same membership checks, nothing for nothing."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from bot.mood.command import parse_mood_request
from bot.mood.export import HEADER
from tests.bot.mood.test_mood_app import GENERAL, TEAM, mood_answer
from tests.helpers.mood_rows import add_days
from tests.helpers.slack_app import served_app

REPO = Path(__file__).resolve().parents[3]
EXPECTED_HEADER = (
    "date,messages,people,positive,negative,neutral,positive_low,positive_high,"
    "negative_low,negative_high"
)


def _seed(engine, last) -> None:
    """A week: five shown days (one with nothing opinionated) and one day of two people."""
    add_days(engine, GENERAL, [(last - timedelta(days=i), 20, 8, 3) for i in (0, 1, 2, 4)])
    add_days(engine, GENERAL, [(last - timedelta(days=3), 12, 0, 0)])
    add_days(engine, GENERAL, [(last - timedelta(days=5), 9, 4, 1)], authors=2)


def test_parsing():
    request = parse_mood_request("mood export 7d <#C0123ABC|support>", False)
    assert (request.action, request.days, request.channel_id) == ("export", 7, "C0123ABC")
    assert parse_mood_request("mood export", False).days == 30
    assert parse_mood_request("mood export #support", False).error == "channel_name"
    assert parse_mood_request("mood export banana", False).error == "period"


def test_export_uploads_the_csv_to_the_askers_dm(database_url, clock):
    with served_app(database_url=database_url, clock=clock) as served:
        last = served.mood.last_closed_day()
        _seed(served.mood.engine, last)
        answer = mood_answer(served, "mood export 7d", user_id="UALICE001")
        assert answer["response_type"] == "ephemeral"
        assert "5 days" in answer["text"] and "direct messages" in answer["text"]
        (upload,) = served.fake.files.values()
        assert upload.completed and upload.channel_id == "DALICE001"
        assert upload.filename.endswith(".csv")
        text = upload.data.decode()
        assert text.splitlines()[0] == EXPECTED_HEADER and tuple(HEADER) == tuple(
            EXPECTED_HEADER.split(",")
        )
        rows = list(csv.DictReader(io.StringIO(text)))
        dates = [r["date"] for r in rows]
        assert dates == sorted((last - timedelta(days=i)).isoformat() for i in (0, 1, 2, 3, 4))
        assert (last - timedelta(days=5)).isoformat() not in text  # two people: left out
        for row in rows:
            assert int(row["people"]) == 6
            shares = [float(row[c]) for c in ("positive", "negative", "neutral")]
            assert abs(sum(shares) - 1) < 1e-3 and all(0 <= s <= 1 for s in shares)
            for c in ("positive", "negative"):
                assert float(row[f"{c}_low"]) <= float(row[c]) <= float(row[f"{c}_high"])


def test_export_checks_membership_and_sends_nothing_for_nothing(database_url, clock):
    with served_app(database_url=database_url, clock=clock) as served:
        served.fake.set_members("C0OTHER01", [served.fake.bot_user_id, "UBOB00002"])
        answer = mood_answer(served, "mood export <#C0OTHER01|other>", user_id="UALICE001")
        assert "only ask about channels you are a member of" in answer["text"]
        answer = mood_answer(served, "mood export", user_id="UALICE001")
        assert "Nothing to export" in answer["text"] and "no messages counted" in answer["text"]
        assert served.fake.files == {}


def test_cli_writes_the_same_csv_to_stdout(tmp_path: Path, clock):
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    with served_app(database_url=url) as served:
        last = served.mood.last_closed_day()
        _seed(served.mood.engine, last)
        served.mood.engine.dispose()
    env_file = tmp_path / "empty.env"
    env_file.write_text("")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "mood",
            "export",
            "--days",
            "7",
            "--channel",
            GENERAL,
            "--env-file",
            str(env_file),
        ],
        cwd=REPO,
        env={"PYTHONPATH": str(REPO), "DATABASE_URL": url, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == EXPECTED_HEADER and len(lines) == 6
    assert lines[-1].startswith(f"{last.isoformat()},20,6,")
    missing = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "mood",
            "export",
            "--channel",
            "C0NOPE",
            "--env-file",
            str(env_file),
        ],
        cwd=REPO,
        env={"PYTHONPATH": str(REPO), "DATABASE_URL": url, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode == 2 and "nothing stored for channel C0NOPE" in missing.stderr
    assert TEAM.team_id  # the workspace came from the database
