"""The console's pretend workspace: several people and channels, names as Slack shows them,
and the demo month read in by the real backfill."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.console import console as console_module
from bot.console.console import NEUTRAL_WHY, Console, plain_text, run_console
from bot.console.fake_slack import FakeSlack
from bot.mood.workspace import Workspace
from bot.settings import Settings
from tests.helpers.slack_app import KeywordPredictor


@pytest.fixture
def console(tmp_path: Path):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'console.sqlite3'}")
    with FakeSlack() as fake:
        made = Console(settings, KeywordPredictor(), io.StringIO(), fake)
        try:
            yield made
        finally:
            made.close()


def said(console: Console) -> str:
    out = console.out.getvalue()  # type: ignore[attr-defined]
    console.out.seek(0)
    console.out.truncate()
    return out


def test_switching_person_and_channel_changes_who_speaks_where(console):
    console.handle_line("/as bob")
    console.handle_line("/in #design")
    assert said(console) == (
        "(you are now @bob, in #general)\n(you are now typing in #design, as @bob)\n"
    )
    console.handle_line("the demo was great and the team loved it")
    reaction = console.fake.calls("reactions.add")[-1]
    assert reaction.params["channel"] == "C0DESIGN"
    assert said(console) == "bot reacts \U0001f642 to your message\n"
    event_users = [c.params for c in console.fake.calls("conversations.replies")]
    assert event_users == []  # a plain message needs no thread lookup
    console.handle_line("/as zed")
    console.handle_line("/in #nowhere")
    out = said(console)
    assert "(no one called zed here; try one of alice, bob, carol, dave, erin)" in out
    assert "(no channel called #nowhere here; try one of #general, #design, #support)" in out
    console.handle_line("/who")
    assert "@alice (admin)" in said(console)


def test_the_slash_command_carries_the_person_channel_and_escaped_names(console, monkeypatch):
    sent = []
    real = console_module.payloads.slash_command

    def spy(text, **fields):
        sent.append((text, fields))
        return real(text, **fields)

    monkeypatch.setattr(console_module.payloads, "slash_command", spy)
    console.handle_line("/in #support")
    console.handle_line("/sentiment mood 30d #design")
    console.handle_line("/sentiment mood #nowhere")
    console.handle_line("/sentiment --public thanks @bob, great work in #design")
    text, fields = sent[0]
    assert text == "mood 30d <#C0DESIGN|design>"
    assert (fields["channel_id"], fields["channel_name"]) == ("C0SUPPORT", "support")
    assert (fields["user_id"], fields["user_name"]) == ("U0ALICE", "alice")
    assert sent[1][0] == "mood #nowhere"  # unknown: as typed, and the bot explains
    assert sent[2][0] == "--public thanks <@U0BOB|bob>, great work in <#C0DESIGN|design>"
    out = said(console)
    assert "Mood in #design" in out
    assert "Pick the channel from Slack's list" in out
    assert "#C0" not in out and "<" not in out  # no raw ids in what people read


def test_ids_render_as_names():
    names = {"C0GENERAL": "general", "U0BOB": "bob", "U0ALICE": "you"}
    text = "<#C0GENERAL> and <#C0DESIGN|design>, <#C0ELSE>; <@U0BOB> asked <@U0ALICE>"
    assert plain_text(text, names) == "#general and #design, #C0ELSE; @bob asked @you"


def test_a_neutral_verdict_says_why_there_was_no_reaction(console):
    assert console._why_quiet([("message", "no_reaction", "verdict=neutral")]) == NEUTRAL_WHY
    assert console._why_quiet([("message", "no_reaction", "neutral")]) == NEUTRAL_WHY
    assert console._why_quiet([("message", "no_reaction", "verdict=new_kind")]) == (
        "the verdict was new kind"
    )


def test_the_demo_reads_a_month_in_through_the_backfill(console):
    console.load_demo()
    out = said(console)
    assert "demo types: /sentiment mood backfill" in out
    assert "bot posts in #general:\n    @you asked me to read the last 30 days" in out
    assert "bot edits its message in #general:\n    \u2705 Done: read " in out
    assert console.fake.calls("conversations.history")  # the backfill read it from "Slack"
    summary = console.bot.mood.summary(Workspace("T0000FAKE"), "C0GENERAL", 30)
    shown = [p for p in summary.current.points if p.status == "shown"]
    assert len(shown) >= 10 and summary.current.days_too_few >= 3
    assert all(p.counts is not None and p.counts.authors >= 3 for p in shown)
    assert max(p.counts.authors for p in shown if p.counts) >= 4
    console.handle_line("/sentiment mood")
    reply = said(console)
    assert "Mood in #general, last 30 days" in reply and "messages counted" in reply
    assert "not enough people wrote" not in reply
    console.load_demo()
    assert said(console) == "(the demo is already loaded)\n"


def test_the_demo_never_touches_the_configured_database(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    for settings in (Settings(), Settings(database_url=f"sqlite:///{tmp_path / 'real.db'}")):
        run_console(
            settings,
            KeywordPredictor(),
            stdin=io.StringIO("/sentiment mood\n"),
            out=out,
            err=io.StringIO(),
            demo=True,
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no data/bot.sqlite3, no real.db
    assert out.getvalue().count("messages counted from at least") == 2  # the reply, per run


def test_python_m_bot_demo_opens_the_console_with_the_demo(tmp_path, monkeypatch):
    import bot.console
    from bot.__main__ import main

    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("bot.bootstrap.load_model", lambda settings: KeywordPredictor())
    seen = {}

    def fake_run_console(settings, predictor, **kwargs):
        seen.update(kwargs)
        return 0

    monkeypatch.setattr(bot.console, "run_console", fake_run_console)
    assert main(["--demo", "--env-file", str(tmp_path / "none.env")]) == 0
    assert seen == {"demo": True}
