"""The local console drives the real app through signed requests and shows what it posts."""

from __future__ import annotations

import io

from bot.console.console import run_console
from bot.settings import Settings
from tests.helpers.slack_app import TEST_DATABASE_URL, KeywordPredictor


def run(lines: list[str], **settings) -> str:
    out = io.StringIO()
    code = run_console(
        Settings(**{"database_url": TEST_DATABASE_URL, **settings}),
        KeywordPredictor(),
        stdin=io.StringIO("\n".join(lines) + "\n"),
        out=out,
    )
    assert code == 0
    return out.getvalue()


def test_channel_messages_get_reactions_only_when_confident():
    out = run(
        ["standup at 10", "the demo was great and the team loved it", "this is awful and bad"]
    )
    blocks = out.split("\n> ")
    assert "(no reaction)" in blocks[1]
    assert "bot reacts :slightly_smiling_face:" in blocks[2]
    assert "bot reacts :slightly_frowning_face:" in blocks[3]


def test_slash_command_private_public_and_help():
    out = run(
        ["/sentiment what a wonderful and happy day", "/sentiment --public I hate it", "/sentiment"]
    )
    assert "bot (only you can see this):\n    :slightly_smiling_face: *Positive*" in out
    assert "bot (shared in the channel):" in out and "*Negative*" in out
    assert "/sentiment --public TEXT" in out


def test_mentions_reply_once_and_bare_mention_judges_previous_message():
    out = run(["@bot this team is great and amazing", "the launch was terrible and awful", "@bot"])
    assert out.count("bot replies in the thread:") == 2
    assert "(as a reply in the thread of your last message)" in out
    assert "The thread's first message" in out and "*Negative*" in out
    assert "bot reacts" in out  # the plain message got its reaction, the mentions did not
    assert out.count("bot reacts") == 1


def test_unknown_command_and_quit():
    out = run(["/nope", "quit", "this is never sent"])
    assert "no such command here; try /sentiment help" in out
    assert "this is never sent" not in out


def test_console_shows_why_it_stayed_quiet_without_the_text():
    out = run(["zzap zzop great"])
    assert "outcome=no_reaction detail=few_known_words=1/3" in out
    log_lines = [line for line in out.splitlines() if line.startswith("  . ")]
    assert log_lines and not any("zzap" in line for line in log_lines)
