"""The bot with the real model: the shipped artifact behind every surface, and `python -m bot`.

Skips (with the reason) until the default artifact (``model.artifact.DEFAULT_ARTIFACT``) exists;
everything else in the bot suite uses a keyword stand-in so it can run before the model is
trained.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.console import slack_requests as payloads
from model.artifact import DEFAULT_ARTIFACT as DEFAULT_MODEL_DIR
from model.prediction import Prediction
from tests.helpers.fake_slack import RESPONSE_URL_METHOD
from tests.helpers.slack_app import bot_env, check_http_bot_process, served_app

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    not DEFAULT_MODEL_DIR.exists(),
    reason=f"no trained model yet: {DEFAULT_MODEL_DIR.relative_to(REPO)} does not exist "
    "(train it with `make train`)",
)

POSITIVE = "This movie was wonderful, I loved every minute of it and the acting was superb."
NEGATIVE = "This was the worst film I have ever seen, boring and awful from start to finish."


@pytest.fixture(scope="module")
def predictor():
    import model

    return model.load_predictor()


def test_predictor_keeps_the_contract(predictor):
    results = predictor.predict([POSITIVE, NEGATIVE, ""])
    assert len(results) == 3 and all(isinstance(r, Prediction) for r in results)
    pos, neg, _empty = results
    assert pos.label == "positive" and neg.label == "negative"
    for r in (pos, neg):
        assert 0.5 <= r.confidence <= 1 and 0 <= r.score <= 1
        assert 0 <= r.known_words <= r.words and isinstance(r.key_words, list)


def test_all_surfaces_with_the_real_model(predictor):
    with served_app(predictor=predictor) as s:
        s.command(POSITIVE)
        (answer,) = s.fake.wait_for(RESPONSE_URL_METHOD, timeout=10)
        assert answer.params["text"].startswith(("Positive", "Leaning positive"))
        s.send_event(payloads.app_mention_event(f"<@{s.fake.bot_user_id}> {NEGATIVE}"))
        (reply,) = s.fake.wait_for("chat.postMessage", timeout=10)
        assert "negative" in reply.params["text"].lower()
        s.send_event(payloads.message_event(NEGATIVE))
        s.send_event(payloads.message_event("standup at 10"))
        s.settle(timeout=20)
        assert [c.params["name"] for c in s.fake.calls("reactions.add")] in (
            [],  # the model may be unsure; it must never react to the neutral one
            ["slightly_frowning_face"],
        )


def test_python_m_bot_http_mode_end_to_end(tmp_path):
    logs = check_http_bot_process([sys.executable, "-m", "bot"], tmp_path, POSITIVE, NEGATIVE)
    assert "superb" not in logs and "worst" not in logs  # logs never carry message text


def test_python_m_bot_unreachable_slack_is_one_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        env=bot_env(
            SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET="s", SLACK_API_URL="http://127.0.0.1:9/"
        ),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot reach the Slack Web API" in lines[0], result.stderr


def test_python_m_bot_console(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--console"],
        env=bot_env(),
        cwd=tmp_path,
        input=f"{NEGATIVE}\n/sentiment {POSITIVE}\nquit\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "bot (only you can see this):" in result.stdout
