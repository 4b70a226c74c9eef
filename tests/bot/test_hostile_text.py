"""No message can freeze the bot: every text path is linear, every input bounded.

A corpus of hostile shapes (long runs of Slack's markup characters, nested and unbalanced
markup, 100k emoji codes, combining marks, 1 MB inputs) goes through the cleaning and the
prediction path, and then through the real app as a channel message, a mention and a
``/sentiment`` command. The time bound is far above what a linear path needs on a busy machine
(milliseconds) and far below what a quadratic one takes: the old ``_italic_`` pattern needed
about 30 s for ``"word" + "_" * 40000 + "word"``.
"""

from __future__ import annotations

import time

import pytest

from bot.console import slack_requests as payloads
from bot.slack.text import MAX_TEXT_CHARS, clean, mentions_user, parse_command
from model.artifact import DEFAULT_ARTIFACT
from tests.helpers.fake_slack import RESPONSE_URL_METHOD
from tests.helpers.slack_app import served_app

N = 40_000  # Slack's own limit for a message's text
BOUND_S = 2.0  # per text, for cleaning + prediction together

HOSTILE = {
    "underscore run between words": "word" + "_" * N + "word",
    "star run between words": "word" + "*" * N + "word",
    "tilde run between words": "word" + "~" * N + "word",
    "alternating marks": "a" + "*_~" * N + "b",
    "marks and letters": "_a" * N,
    "open angles": "<" * N,
    "nested angles": "<" * N + ">" * N,
    "unbalanced mentions": "<@U1|" * N,
    "unclosed link": "<http://" + "a" * N + "|" + "b" * N,
    "escapes": "&amp;" * N,
    "escaped angles": "&lt;" * N + "&gt;" * N,
    "colons": ":" * N,
    "colon letters": ":a" * N,
    "100k emoji codes": ":a:" * 100_000,
    "colon digits": ":" + "1" * N + ":",
    "colon then underscores": ":" + "_" * N + "x",
    "skin tones": ":+1::skin-tone-2:" * 10_000,
    "backticks": "`" * N,
    "code fences": "```" * N,
    "unclosed inline code": "`a" * N,
    "quote markers": "&gt;" * N,
    "quote lines": "&gt; a\n" * N,
    "whitespace": " \t" * N + "x",
    "newlines": "\n" * N,
    "combining marks": "e" + "\u0301" * N,
    "hearts": "<3" * N,
    "public flags": "--public " * N,
    "1 MB of words": "great " * 180_000,
    "1 MB of one word": "a" * 1_000_000,
}


def _timed(func, *args):
    started = time.perf_counter()
    result = func(*args)
    return result, time.perf_counter() - started


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_cleaning_is_linear_on_hostile_text(name):
    text = HOSTILE[name]
    cleaned, seconds = _timed(clean, text)
    assert seconds < BOUND_S, f"clean() took {seconds:.2f} s on {name}"
    assert len(cleaned) <= MAX_TEXT_CHARS
    _args, seconds = _timed(parse_command, text)
    assert seconds < BOUND_S, f"parse_command() took {seconds:.2f} s on {name}"
    _found, seconds = _timed(mentions_user, text, "U1")
    assert seconds < BOUND_S


def test_cleaning_is_capped_before_any_pattern():
    """Past the cap nothing is read: the tail of a 1 MB message cannot change the words."""
    head = "great " * (MAX_TEXT_CHARS // 6)
    assert clean(head + "```" + "awful " * 100_000) == clean(head + "```")
    assert len(clean("x" * 1_000_000)) == MAX_TEXT_CHARS


def test_marks_keep_their_meaning():
    assert clean("*bold* _italic_ ~strike~ snake_case a*b") == "bold italic strike snake_case a*b"
    assert clean("word" + "_" * 50 + "word") == "word" + "_" * 50 + "word"
    assert clean("__init__ **so good**") == "init so good"


real_model = pytest.mark.skipif(
    not DEFAULT_ARTIFACT.exists(), reason="no trained model yet (make train)"
)


@real_model
def test_prediction_is_bounded_on_hostile_text():
    import model

    predictor = model.load_predictor()
    for name, text in HOSTILE.items():
        _result, seconds = _timed(predictor.predict, [clean(text) or text])
        assert seconds < BOUND_S, f"predict() took {seconds:.2f} s on {name}"


@real_model
def test_the_app_answers_hostile_messages_on_every_surface():
    """One hostile message on each surface: all acked at once and answered; the next normal
    message is answered too, so nothing was frozen."""
    import model

    hostile = HOSTILE["underscore run between words"]
    with served_app(model.load_predictor()) as s:
        started = time.perf_counter()
        assert s.send_event(payloads.message_event(hostile))[0] == 200
        assert s.send_event(payloads.app_mention_event(f"<@UBOT0001> {hostile}"))[0] == 200
        assert s.command(hostile)[0] == 200
        assert s.command(HOSTILE["unbalanced mentions"][:3000])[0] == 200
        s.settle(timeout=10)
        assert time.perf_counter() - started < 3 * BOUND_S
        assert len(s.fake.calls("chat.postMessage")) == 1
        assert len(s.fake.calls(RESPONSE_URL_METHOD)) == 2
        assert s.send_event(payloads.message_event("I loved it, a wonderful great film"))[0] == 200
        s.fake.wait_for("reactions.add")
