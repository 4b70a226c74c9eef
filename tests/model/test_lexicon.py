"""model.lexicon: matching, negation scope and the length-normalised input; and where the
table comes from (model.training.lexicon_source)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.lexicon import NEGATION_FACTOR, NEGATION_SCOPE, Lexicon, Match
from model.text import tokenize

SAMPLE = Lexicon(
    {
        ("good",): 1.9,
        ("bad",): -2.5,
        ("great",): 3.1,
        ("fed", "up"): -1.8,
        ("can", "not", "stand"): -2.0,
        ("up",): 0.5,
        ("stand",): 0.3,
    }
)


def match(text: str) -> tuple[float, list[Match]]:
    return SAMPLE.match(tokenize(text))


def test_words_are_summed_in_text_order() -> None:
    total, found = match("good and bad")
    assert total == pytest.approx(1.9 - 2.5)
    assert found == [Match(0, 1, 1.9), Match(2, 1, -2.5)]


def test_phrases_win_over_the_words_inside_them() -> None:
    total, found = match("I am fed up")
    assert found == [Match(2, 2, -1.8)] and total == pytest.approx(-1.8)  # not + "up"
    # "can't stand": the "not" inside the phrase does not negate what follows.
    total, found = match("I can't stand this, good")
    assert found == [Match(1, 3, -2.0), Match(5, 1, 1.9)]


def test_negation_flips_and_damps_within_the_scope() -> None:
    assert match("not bad")[0] == pytest.approx(-2.5 * NEGATION_FACTOR)
    # The match spans the negator too: "not bad" is the reason, not "bad".
    assert match("it was not that bad")[1] == [Match(2, 3, pytest.approx(-2.5 * NEGATION_FACTOR))]
    assert match("never a good one")[0] == pytest.approx(1.9 * NEGATION_FACTOR)
    far = "not " + "x " * NEGATION_SCOPE + "good"  # one token past the scope
    assert match(far)[0] == pytest.approx(1.9)
    near = "not " + "x " * (NEGATION_SCOPE - 1) + "good"
    assert match(near)[0] == pytest.approx(1.9 * NEGATION_FACTOR)


@pytest.mark.parametrize("stop", ["but", "!", "?"])
def test_but_and_punctuation_end_the_scope(stop: str) -> None:
    assert match(f"not {stop} good")[0] == pytest.approx(1.9)


def test_feature_is_the_sum_per_word() -> None:
    tokens = tokenize("good good bad filler words here !")
    value, _ = SAMPLE.feature(tokens)
    assert value == pytest.approx((1.9 + 1.9 - 2.5) / 6)  # "!" is not a word
    assert SAMPLE.feature([]) == (0.0, [])


@settings(deadline=None, max_examples=100)
@given(st.lists(st.sampled_from(["good", "bad", "not", "but", "up", "fed", "x", "!"]), max_size=12))
def test_repeating_a_text_scales_the_sum_not_the_feature(tokens: list[str]) -> None:
    """Length normalisation: the same text twice (after a full stop of the scope) keeps its
    per-word value, so long texts do not swamp the logit."""
    once, _ = SAMPLE.feature(tokens)
    twice, _ = SAMPLE.feature([*tokens, "!", *tokens, "!"])
    words = sum(t != "!" for t in tokens)
    if words:
        assert twice == pytest.approx(once, abs=1e-12)


def test_json_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.json"
    SAMPLE.save(path)
    again = Lexicon.load(path)
    assert again.entries == SAMPLE.entries
    assert again.match(tokenize("not fed up but great")) == match("not fed up but great")


# Where the table comes from ----------------------------------------------------------------


def test_entries_are_project_tokens() -> None:
    from model.training.lexicon_source import entries_from_text

    text = "\n".join(
        [
            "good\t1.9\t0.5\t[]",
            ":)\t2.0\t0.5\t[]",  # becomes the token "smiling"
            "smiling\t1.5\t0.5\t[]",  # ... which is also an entry of its own: that one wins
            ":-p\t1.2\t0.5\t[]",  # becomes the single letter "p": dropped
            "can't stand\t-2.0\t0.5\t[]",
            "lol\t2.9\t0.5\t[]",
            "lol\t1.8\t0.5\t[]",  # repeated: the mean
            "no\t-1.2\t0.5\t[]",  # a negator carries no valence of its own
        ]
    )
    assert entries_from_text(text) == {
        ("good",): 1.9,
        ("smiling",): 1.5,
        ("can", "not", "stand"): -2.0,
        ("lol",): 2.35,
    }


def test_vader_is_read_with_its_licence() -> None:
    pytest.importorskip("vaderSentiment", reason="the lexicon source is in the [train] extra")
    from model.training.lexicon_source import load_vader

    lexicon, source = load_vader()
    assert len(lexicon) > 7_000 and source["entries"] == len(lexicon)
    assert source["licence"] == "MIT" and "Hutto" in source["copyright"]
    assert len(source["sha256"]) == 64
    assert lexicon.match(tokenize("great :)"))[0] > 0
    assert lexicon.match(tokenize("this is not good"))[0] < 0
