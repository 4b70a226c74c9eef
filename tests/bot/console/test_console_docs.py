"""The console examples in README.md and docs/bot.md are real: replayed with the shipped model.

Each ```text block whose lines start with "> " is a transcript: the "> " lines are typed into
the console, and its output must match the rest line for line. A block that starts with
``$ make run ARGS=--demo`` (or ``$ python -m bot --demo``) is replayed with the demo loaded
first. The key words themselves are the model's business (they may change with it); that a
key-words line is there is checked. So are the demo's dates (its month ends yesterday), a
chart's or file's size (it varies with matplotlib and the day) and the temp folder (it varies
by system).
"""

from __future__ import annotations

import io
import re
import tempfile

import pytest

from bot.console.console import run_console
from bot.settings import Settings
from model.artifact import DEFAULT_ARTIFACT
from tests.helpers.slack_app import REPO

ARTIFACT = DEFAULT_ARTIFACT / "config.json"
_BLOCK = re.compile(r"```text\n(.*?)```", re.S)
_DEMO = ("$ make run ARGS=--demo\n", "$ python -m bot --demo\n")
_VARIES = (
    (re.compile(r"Key words: .*? · "), "Key words: ... · "),
    (re.compile(r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2}\b"), "MMM D"),
    (re.compile(r"\(\d+ KB\)"), "(N KB)"),
    (re.compile(r"\(\d+ bytes\)"), "(N bytes)"),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}\b"), "YYYY-MM-DD"),
)


def transcripts() -> list[tuple[str, str]]:
    found = []
    for doc in ("README.md", "docs/bot.md"):
        for block in _BLOCK.findall((REPO / doc).read_text()):
            if block.startswith("> ") or block.startswith(_DEMO):
                found.append((doc, block))
    return found


def _normal(text: str) -> str:
    text = text.replace(tempfile.gettempdir().rstrip("/") + "/", "/tmp/")
    for pattern, replacement in _VARIES:
        text = pattern.sub(replacement, text)
    return text


def test_the_docs_hold_console_transcripts():
    assert {doc for doc, _ in transcripts()} == {"README.md", "docs/bot.md"}
    assert any(block.startswith(_DEMO) for _, block in transcripts())


@pytest.mark.skipif(not ARTIFACT.exists(), reason="the shipped model is not trained (make train)")
@pytest.mark.parametrize(("doc", "transcript"), transcripts())
def test_console_example_is_what_the_console_prints(doc, transcript):
    import model

    demo = transcript.startswith(_DEMO)
    if demo:
        transcript = transcript.split("\n", 1)[1]
    typed = [line[2:] for line in transcript.splitlines() if line.startswith("> ")]
    out = io.StringIO()
    run_console(
        Settings(),
        model.load_predictor(),
        stdin=io.StringIO("\n".join(typed) + "\n"),
        out=out,
        err=io.StringIO(),
        demo=demo,
    )
    printed = out.getvalue().split("leave\n", 1)[1]
    assert _normal(printed) == _normal(transcript), (
        f"the console example in {doc} is not what the console prints"
    )
