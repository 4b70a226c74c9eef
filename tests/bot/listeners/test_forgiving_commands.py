"""Commands that forgive, through the real app: every friction point the issue lists.

A mistyped subcommand gets usage help with the closest match, never a sentiment verdict;
conflicting or malformed arguments get one clear sentence; text that only starts like a
subcommand is still analysed.
"""

from __future__ import annotations

import json

import pytest

from bot.commands_help import SUBCOMMANDS
from tests.helpers.slack_app import served_app

CHANNEL = "C0FORGIVE"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    database = tmp_path_factory.mktemp("forgive") / "bot.sqlite3"
    with served_app(database_url=f"sqlite:///{database}") as s:
        yield s


def _say(s, text, user="UHUMAN001", channel=CHANNEL) -> dict:
    before = len(s.fake.calls("response_url"))
    assert s.command(text, user_id=user, channel_id=channel)[0] == 200
    s.settle()
    calls = s.fake.calls("response_url")
    assert len(calls) == before + 1
    return calls[-1].params


def _no_verdict(answer: dict) -> None:
    assert not answer["text"].startswith(("Positive", "Negative", "Leaning", "I can't tell"))
    assert answer["response_type"] == "ephemeral"


def test_help_names_every_subcommand_the_home_tab_and_the_shortcut(served):
    for text in ("help", "help me"):
        answer = _say(served, text)
        blob = json.dumps(answer["blocks"])
        for subcommand in SUBCOMMANDS:
            if subcommand.words != "help":
                assert f"/sentiment {subcommand.usage}" in blob, subcommand.words
        assert "Home tab" in blob and "Analyze sentiment" in blob
        assert "digest time DAY HH:MM" in blob and "mood backfill" in blob


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mood banana", "I don't know `banana` after `/sentiment mood`"),
        ("mood swings", "I don't know `swings` after `/sentiment mood`"),
        ("backfill", "Did you mean `/sentiment mood backfill`?"),
        ("mood backfil", "Did you mean `/sentiment mood backfill`?"),
        ("mood backfill now", "`/sentiment mood backfill` takes nothing after it, not `now`."),
        ("optout now", "`/sentiment optout` takes nothing after it, not `now`."),
        ("moood 7d", "Did you mean `/sentiment mood 7d`?"),
        ("stauts", "Did you mean `/sentiment status`?"),
        ("dgest weekly", "Did you mean `/sentiment digest weekly`?"),
        ("digest foo", "I don't know `foo` after `/sentiment digest`"),
        ("mood off 7d", "`/sentiment mood off` takes nothing after it, not `7d`."),
    ],
)
def test_a_mistyped_subcommand_gets_usage_help_never_a_verdict(served, text, expected):
    answer = _say(served, text)
    _no_verdict(answer)
    assert expected in answer["text"]
    assert "/sentiment help" in json.dumps(answer["blocks"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mood 7d 30d", "Pick one period: 7d, 30d or 90d"),
        ("mood <#C0AAAAAA1|a> <#C0BBBBBB1|b>", "Name one channel at a time"),
        ("digest daily", "Digests are weekly only: `/sentiment digest weekly` subscribes"),
        ("digest time monkey 09:00", "send time must look like 'mon 09:00'"),
        ("digest time", "Say when, e.g. `/sentiment digest time mon 09:00`"),
        ("mood min-people", "whole number of people from 3 to 1000"),
    ],
)
def test_malformed_arguments_get_one_clear_sentence(served, text, expected):
    answer = _say(served, text)
    _no_verdict(answer)
    assert expected in answer["text"]
    assert not answer["text"].startswith(" ")


@pytest.mark.parametrize(
    "text",
    [
        "mood swings are awful today",
        "mood today is great and wonderful",
        "digestion is terrible",
        "good",
        "weekly sync was great",
        "help me understand why the build is broken",
    ],
)
def test_text_that_only_starts_like_a_subcommand_is_analysed(served, text):
    answer = _say(served, text)
    assert answer["text"].startswith(("Positive", "Negative", "Leaning", "I can't tell"))


def test_optin_when_opted_in_says_nothing_changed(served):
    answer = _say(served, "optin", user="UOPTIN001")
    assert "already opted in, so nothing changed" in answer["text"]
    assert "again" not in answer["text"]
    assert "You're opted out" in _say(served, "optout", user="UOPTIN001")["text"]
    assert "already opted out" in _say(served, "optout", user="UOPTIN001")["text"]
    assert _say(served, "optin", user="UOPTIN001")["text"].startswith("You're opted in:")


def test_the_first_digest_date_is_said_when_subscribing(served):
    answer = _say(served, "digest weekly", channel="C0FIRSTDG")
    assert answer["response_type"] == "in_channel"
    assert "the first comes Monday, " in answer["text"]
