"""The emoji table: both spellings of an emoji, the work overrides, the recorded sources."""

from __future__ import annotations

import pytest

from model.emoji_table import EmojiTable
from model.text import emoji_token, shortcode_token, tokenize

pytest.importorskip("emosent", reason="building the table needs the [train] extra")
pytest.importorskip("emoji", reason="building the table needs the [train] extra")


@pytest.fixture(scope="module")
def table() -> EmojiTable:
    from model.training.emoji_source import build_emoji_table

    return build_emoji_table()


@pytest.mark.parametrize(
    ("char", "code", "sign"),
    [("🎉", "tada", 1), ("🔥", "fire", 1), ("🙌", "raised_hands", 1), ("😡", "rage", -1)],
)
def test_unicode_and_shortcode_agree(table: EmojiTable, char: str, code: str, sign: int) -> None:
    unicode_value, _ = table.entries[emoji_token(char)]
    code_value, shown = table.entries[shortcode_token(code)]
    assert unicode_value == code_value and unicode_value * sign > 0
    assert shown == f":{code}:"


@pytest.mark.parametrize("code", ["+1", "-1", "party-parrot", "this-is-fine", "thumbsup"])
def test_slack_names_are_known(table: EmojiTable, code: str) -> None:
    assert shortcode_token(code) in table


def test_sources_and_licences_are_recorded(table: EmojiTable) -> None:
    source = table.source
    assert "CC BY-SA 4.0" in source["valences"]["data_licence"]
    assert "MIT" in source["valences"]["package"] and "BSD" in source["names"]


def test_tokens_for_skin_tones_and_sequences() -> None:
    assert tokenize("👍🏽") == [emoji_token("👍")]
    assert tokenize(":+1::skin-tone-3:") == ["emojiplus1"]
    assert tokenize("10:30:45 :tada:") == ["emojitada"]


def test_table_round_trips(table: EmojiTable, tmp_path) -> None:
    table.save(tmp_path / "emoji.json")
    again = EmojiTable.load(tmp_path / "emoji.json")
    assert again.entries == table.entries and again.source == table.source
