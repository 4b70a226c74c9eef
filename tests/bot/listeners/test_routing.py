"""Which ``/sentiment`` listener answers what, through the real app: the order
``bot.listeners.register_listeners`` registers them in routes each text to one listener (Bolt
runs the first whose matchers all return True), and that listener's answer is the one sent.
"""

from __future__ import annotations

import logging
import re

import pytest

from tests.helpers.slack_app import served_app

CHANNEL = "C0ROUTING"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    database = tmp_path_factory.mktemp("routing") / "bot.sqlite3"
    with served_app(database_url=f"sqlite:///{database}") as s:
        yield s


@pytest.mark.parametrize(
    ("text", "listener", "outcome", "reply"),
    [
        ("mood 7d", "on_mood_command", "replied detail=mood_7d_private", "Mood in <#C0ROUTING>"),
        ("digest weekly", "on_digest_command", "replied detail=digest_on", "subscribed this"),
        ("mood backfill", "on_backfill_command", "replied detail=refused", "Only workspace"),
        ("status", "on_status_command", "replied detail=status", "Team mood in this workspace"),
        ("help", "on_command", "replied detail=help", "/sentiment"),
        ("mood banana", "on_command", "replied detail=usage", "I don't know `banana`"),
        ("what a great release", "on_command", "replied detail=ephemeral", "Positive"),
    ],
)
def test_each_text_goes_to_its_own_listener(served, caplog, text, listener, outcome, reply):
    caplog.set_level(logging.INFO, logger="bot.events")
    caplog.set_level(logging.DEBUG, logger="bot.bolt")  # "Running listener: NAME ..."
    before = len(served.fake.calls("response_url"))
    assert served.command(text, channel_id=CHANNEL)[0] == 200
    served.settle()
    answers = served.fake.calls("response_url")[before:]
    assert len(answers) == 1 and reply in answers[0].params["text"]
    lines = [record.getMessage() for record in caplog.records]
    ran = [m.group(1) for line in lines if (m := re.match(r"Running listener: (\w+)", line))]
    assert ran == [listener]  # the first listener whose matchers matched, and only that one
    (line,) = [line for line in lines if "surface=command" in line]
    assert f"outcome={outcome} " in line


def test_a_feature_matcher_never_claims_help_and_claims_what_its_parser_raises_on():
    from bot.deps import command_matcher

    def broken(args):
        raise ValueError(args.text)

    everything = command_matcher(lambda args: True)
    assert everything({"text": "mood 7d --public"})
    for text in ("", "help", "--help", "?", "--public", None):  # the catch-all's: help
        assert not everything({"text": text})
    assert not command_matcher(lambda args: args.text == "status")({"text": "mood"})
    # Raising: claimed, so its listener's answer_command logs the failure, as before the split.
    assert command_matcher(broken)({"text": "mood"})
