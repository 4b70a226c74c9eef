"""Key phrases as a reader names them: inside one clause, no stray function words at the ends."""

from __future__ import annotations

import time

import pytest

from model.key_phrases import clause_starts, reader_span
from model.text import tokenize


def phrase(text: str, first: str, length: int) -> str | None:
    """The reader's version of the ``length``-token feature starting at token ``first``."""
    tokens = tokenize(text)
    span = reader_span(tokens, tokens.index(first), length, clause_starts(text))
    return None if span is None else " ".join(tokens[span[0] : span[0] + span[1]])


@pytest.mark.parametrize(
    ("text", "first", "length", "shown"),
    [
        ("the demo is great, i think", "great", 2, None),  # "great i" runs across the comma
        ("The demo is great. I think so", "great", 2, None),
        ("this release is terrible", "is", 2, "terrible"),
        ("what a waste of an afternoon", "what", 3, "waste"),
        ("great and the rest", "great", 3, "great"),
        ("it was not good at all", "not", 2, "not good"),
        ("never again", "never", 2, "never again"),
        ("i loved this", "loved", 2, "loved"),
        ("fed up with the build", "fed", 2, "fed up"),
        ("is it ? really", "is", 2, None),  # function words and punctuation only
        ("wow! great job", "wow", 3, None),  # "!" ends the clause
    ],
)
def test_reader_span(text, first, length, shown):
    assert phrase(text, first, length) == shown


def test_clause_starts_count_tokens_as_tokenize_does():
    text = "we shipped 3 fixes, all good! thanks (really)"
    tokens = tokenize(text)
    starts = clause_starts(text)
    assert [tokens[i] for i in sorted(starts)] == ["all", "thanks", "really"]
    assert clause_starts("") == frozenset() and clause_starts("one clause only") == frozenset()


def test_clause_starts_is_linear_on_hostile_text():
    """A bound a quadratic scan would blow by far, loose enough for a busy machine."""
    hostile = ", ".join(["word"] * 20_000) + " ..." * 20_000
    started = time.perf_counter()
    clause_starts(hostile)
    assert time.perf_counter() - started < 5.0
