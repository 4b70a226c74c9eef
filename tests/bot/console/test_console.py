"""The local console drives the real app through signed requests and shows what it posts."""

from __future__ import annotations

import io

from bot.console.console import run_console
from bot.settings import Settings
from tests.helpers.slack_app import TEST_DATABASE_URL, KeywordPredictor


def run(lines: list[str], err: io.StringIO | None = None, **settings) -> str:
    out = io.StringIO()
    code = run_console(
        Settings(**{"database_url": TEST_DATABASE_URL, **settings}),
        KeywordPredictor(),
        stdin=io.StringIO("\n".join(lines) + "\n"),
        out=out,
        err=err or io.StringIO(),
    )
    assert code == 0
    return out.getvalue()


def test_channel_messages_get_reactions_only_when_confident():
    out = run(
        ["standup at 10", "the demo was great and the team loved it", "this is awful and bad"]
    )
    blocks = out.split("\n> ")
    # Every word known (the keyword predictor knows them all): judged, but not sure enough.
    assert "(no reaction: only 55% sure, and I react at 80% or more)" in blocks[1]
    assert "bot reacts \U0001f642 to your message" in blocks[2]
    assert "bot reacts \U0001f641 to your message" in blocks[3]


def test_slash_command_private_public_and_help():
    out = run(
        ["/sentiment what a wonderful and happy day", "/sentiment --public I hate it", "/sentiment"]
    )
    assert "bot (only you can see this):\n    \U0001f642 Positive \u00b7 " in out
    assert "bot (shared in the channel):\n    @you asked about: \u201cI hate it\u201d" in out
    assert "\U0001f641 Negative" in out
    assert "/sentiment --public TEXT" in out


def test_mentions_reply_once_and_bare_mention_judges_previous_message():
    out = run(["@bot this team is great and amazing", "the launch was terrible and awful", "@bot"])
    assert out.count("bot replies in the thread:") == 2
    assert "(as a reply in the thread of your last message)" in out
    assert "The thread's first message" in out and "Negative" in out
    assert "bot reacts" in out  # the plain message got its reaction, the mentions did not
    assert out.count("bot reacts") == 1


def test_unknown_command_and_quit():
    out = run(["/nope", "quit", "this is never sent"])
    assert "no such command here; try /sentiment help" in out
    assert "this is never sent" not in out


def test_console_says_why_it_stayed_quiet_and_keeps_logs_apart():
    err = io.StringIO()
    out = run(["zzap zzop great", "this is good and bad", "explode this"], err=err)
    assert "(no reaction: I know 1 of its 3 words, and I need at least 3 and 50%)" in out
    assert "(no reaction: only 55% sure, and I react at 80% or more)" in out
    assert "(no reaction: something went wrong (RuntimeError))" in out
    # The bot's log lines never reach the conversation; its errors go to stderr, without text.
    assert "handled" not in out and "event_id" not in out
    assert "handler_failed surface=message" in err.getvalue()
    assert "explode" not in err.getvalue()


def test_replies_read_as_slack_shows_them_no_raw_mrkdwn():
    out = run(
        [
            "/sentiment --public this is great & fun",
            "/sentiment help",
            "@bot",
            "@bot so *bad* and _awful_",
        ]
    )
    bot_lines = "\n".join(
        line for line in out.split("leave\n", 1)[1].splitlines() if not line.startswith("> ")
    )
    for raw in ("*", "<@", "&amp;", "&lt;", ":slightly_", ":grey_question:"):
        assert raw not in bot_lines, raw
    assert "\u201cthis is great & fun\u201d" in out
    assert "/sentiment TEXT \u2014 is TEXT positive or negative?" in out
