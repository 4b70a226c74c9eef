"""The team-language rules (model/workplace.py), at the tokenizer and lexicon level."""

from __future__ import annotations

import pytest

from model.lexicon import Lexicon
from model.text import tokenize
from model.workplace import (
    EMOJI_OVERRIDES,
    KILL_COMMAND,
    PHRASES,
    SARCASM_TOKEN,
    lexicon_entries,
    rewrite_jargon,
)


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("kill -9 the worker and restart it", 0),
        ("I pushed a branch that kills the stale cron jobs", 5),
        ("killed the flaky job", 0),
        ("can you kill the pod", 2),
    ],
)
def test_kill_as_a_command(text: str, position: int) -> None:
    assert tokenize(text)[position] == KILL_COMMAND


@pytest.mark.parametrize("text", ["killing it team", "they kill people", "killed it on stage"])
def test_kill_otherwise_stays(text: str) -> None:
    assert KILL_COMMAND not in tokenize(text)


@pytest.mark.parametrize(
    ("text", "sarcastic"),
    [
        ("yeah right, another great outage, just what we needed", True),
        ("another wonderful regression", True),
        ("yeah right now works", False),
        ("great work on the outage fix", False),
        ("yeah that is right", False),
    ],
)
def test_sarcasm_rule(text: str, sarcastic: bool) -> None:
    assert (SARCASM_TOKEN in tokenize(text)) is sarcastic


def test_rewrites_keep_token_positions() -> None:
    tokens = "we killed the worker after a great outage yeah right".split()
    assert len(rewrite_jargon(tokens)) == len(tokens)


def _lexicon() -> Lexicon:
    return Lexicon({**lexicon_entries(), ("killing",): -3.4, ("crushed",): -2.0, ("bug",): -1.0})


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("we crushed it this sprint, killing it team", 1),
        ("sick demo", 1),
        ("fixed the bug that was killing performance", 1),
        ("the bug was killing performance", -1),
        ("another great outage", -1),
    ],
)
def test_slang_and_remedies_in_the_lexicon(text: str, sign: int) -> None:
    total, _ = _lexicon().match(tokenize(text))
    assert total * sign > 0, total


def test_work_overrides_are_explained_praise_and_complaint() -> None:
    assert EMOJI_OVERRIDES["fire"] > 0 and EMOJI_OVERRIDES["tada"] > 0
    assert EMOJI_OVERRIDES["this-is-fine"] < 0 and EMOJI_OVERRIDES["-1"] < 0
    assert PHRASES["killing it"] > 0 and PHRASES["dead code"] == 0
