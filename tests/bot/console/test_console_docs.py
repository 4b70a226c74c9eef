"""The console examples in README.md and docs/bot.md are real: replayed with the shipped model.

Each ```text block whose lines start with "> " is a transcript: the "> " lines are typed into
the console, and its output must match the rest line for line. The key words themselves are
the model's business (they may change with it); that a key-words line is there is checked.
"""

from __future__ import annotations

import io
import re

import pytest

from bot.console.console import run_console
from bot.settings import Settings
from tests.helpers.slack_app import REPO

ARTIFACT = REPO / "model" / "artifacts" / "imdb-sentiment-v1" / "config.json"
_BLOCK = re.compile(r"```text\n(.*?)```", re.S)
_KEY_WORDS = re.compile(r"Key words: .*? · ")


def transcripts() -> list[tuple[str, str]]:
    found = []
    for doc in ("README.md", "docs/bot.md"):
        for block in _BLOCK.findall((REPO / doc).read_text()):
            if block.startswith("> "):
                found.append((doc, block))
    return found


def test_the_docs_hold_console_transcripts():
    assert {doc for doc, _ in transcripts()} == {"README.md", "docs/bot.md"}


@pytest.mark.skipif(not ARTIFACT.exists(), reason="the shipped model is not trained (make train)")
@pytest.mark.parametrize(("doc", "transcript"), transcripts())
def test_console_example_is_what_the_console_prints(doc, transcript):
    import model

    typed = [line[2:] for line in transcript.splitlines() if line.startswith("> ")]
    out = io.StringIO()
    run_console(
        Settings(),
        model.load_predictor(),
        stdin=io.StringIO("\n".join(typed) + "\n"),
        out=out,
        err=io.StringIO(),
    )
    printed = out.getvalue().split("leave\n", 1)[1]
    assert _KEY_WORDS.sub("Key words: ... · ", printed) == _KEY_WORDS.sub(
        "Key words: ... · ", transcript
    ), f"the console example in {doc} is not what the console prints"
