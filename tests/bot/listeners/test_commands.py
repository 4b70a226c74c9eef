"""``/sentiment``'s dispatch: each feature's parser claims only its own words, so exactly one
listener module answers (or none, and the text is analysed)."""

from __future__ import annotations

import pytest

from bot.backfill.command import BackfillRequest, parse_backfill_request
from bot.digests.command import parse_digest_request
from bot.mood.command import parse_mood_request


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
        ("mood backfill now", []),  # neither: analysed as text
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
