"""``/sentiment``'s dispatch: each feature's parser claims only its own words, so exactly one
listener module answers (or none, and commands.py's catch-all gives help, usage help or a
verdict; tests/bot/listeners/test_routing.py checks the listeners themselves)."""

from __future__ import annotations

import json

import pytest

from bot.backfill.command import BackfillRequest, parse_backfill_request
from bot.commands_help import subcommand_attempt
from bot.digests.command import parse_digest_request
from bot.mood.command import parse_mood_request
from bot.schedule_time import ScheduleError, parse_send_at
from tests.bot.mood.test_mood_app import mood_answer
from tests.helpers.slack_app import served_app


def _claims(text: str) -> list[str]:
    parsed = {
        "backfill": parse_backfill_request(text),
        "digest": parse_digest_request(text),
        "mood": parse_mood_request(text, False),
    }
    return [name for name, request in parsed.items() if request is not None]


@pytest.mark.parametrize(
    ("text", "owner"),
    [
        ("mood backfill", ["backfill"]),
        ("MOOD Backfill", ["backfill"]),
        ("digest weekly", ["digest"]),
        ("digest time fri 16:30", ["digest"]),
        ("digest", ["digest"]),
        ("mood 30d <#C0123ABCD|general>", ["mood"]),
        ("mood off", ["mood"]),
        ("optout", ["mood"]),
        ("mood backfill now", []),  # none: bot.commands_help answers with usage help
        ("mood min-people 5", ["mood"]),
        ("mood 7d 30d", ["mood"]),  # claimed, with an error: pick one period
        ("digest daily", ["digest"]),  # claimed, with an error: weekly only
        ("digest banana", []),
        ("digestion is terrible", []),
        ("mood swings are awful", []),
        ("what a great release", []),
    ],
)
def test_exactly_one_feature_claims_each_subcommand(text, owner):
    assert _claims(text) == owner


def test_backfill_request():
    assert parse_backfill_request("mood backfill") == BackfillRequest()
    assert parse_backfill_request("backfill") is None


@pytest.mark.parametrize(
    ("text", "closest", "suggestion"),
    [
        ("mood banana", "mood", ""),
        ("backfill", "mood backfill", "mood backfill"),
        ("optout now", "optout", ""),
        ("help me", "help", ""),
        ("mood of", "mood off", "mood off"),
        ("moody", "mood", "mood"),
        ("mood minpeople", "mood min-people", "mood min-people"),
    ],
)
def test_a_subcommand_attempt_finds_the_closest_subcommand(text, closest, suggestion):
    attempt = subcommand_attempt(text)
    assert attempt is not None
    assert (attempt.closest.words, attempt.suggestion) == (closest, suggestion)


@pytest.mark.parametrize(
    "text",
    [
        "mood swings are awful today",
        "good",  # one letter from "mood", but a word people want judged
        "good job everyone",
        "digestion is terrible",
        "weekly sync was great",
        "time flies",
        "status meetings are a waste of time",
        "x" * 500,
    ],
)
def test_text_is_not_a_subcommand_attempt(text):
    assert subcommand_attempt(text) is None


def test_weekdays_are_full_names_or_three_letters_only():
    assert parse_send_at("Friday 16:30") == parse_send_at("fri 16:30")
    for text in ("monkey 09:00", "mond 09:00", "frid 16:30"):
        with pytest.raises(ScheduleError):
            parse_send_at(text)


def test_help_says_what_is_stored_and_how_to_opt_out(tmp_path):
    with served_app(database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}") as served:
        answer = mood_answer(served, "help")
        blob = json.dumps(answer)
        assert "Never message text" in blob and "/sentiment optout" in blob
        assert "/sentiment mood off" in blob
