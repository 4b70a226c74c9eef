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


def _occurrences(tokens: list[str], phrase: list[str]) -> list[int]:
    n = len(phrase)
    return [i for i in range(len(tokens) - n + 1) if tokens[i : i + n] == phrase]


def test_the_shipped_models_key_words_read_as_a_reader_names_them():
    """Over every hand-written dev text: no stray function word at a key word's ends, and
    each key word sits inside one clause of the text it came from (issue: "is great i")."""
    import json
    from pathlib import Path

    from model import load_predictor
    from model.key_phrases import NEGATORS, STOP_WORDS

    repo = Path(__file__).resolve().parents[2]
    texts = [
        json.loads(line)["text"]
        for path in sorted((repo / "eval").glob("*/*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    assert len(texts) > 1000
    predictor = load_predictor()
    shown = 0
    for text, prediction in zip(texts, predictor.predict(texts), strict=True):
        tokens = [predictor._show(t) for t in tokenize(text)]  # emoji as shown
        breaks = clause_starts(text)
        for key in prediction.key_words:
            words = key.split()
            for edge in (words[0], words[-1]):
                assert edge not in STOP_WORDS or edge in NEGATORS, (text, key)
            starts = _occurrences(tokens, words)
            assert any(
                not any(i in breaks for i in range(start + 1, start + len(words)))
                for start in starts
            ), (text, key)
            shown += 1
    assert shown > len(texts)  # most texts do get key words
