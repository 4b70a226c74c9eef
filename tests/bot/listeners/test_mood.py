"""The ``/sentiment mood ...`` listener (bot/listeners/mood.py) through the real Bolt app as
Slack drives it (signed HTTP), on both databases: small days hidden, ``mood off|on`` told to the
channel, the membership checks for another channel and the chart upload (DM or ``--public``),
usage errors, and text that only starts with "mood" analysed.

The traffic helpers (a busy day of messages, closing a day, asking) are the mood record's
tests' own (tests/bot/mood/test_mood_app.py).
"""

from __future__ import annotations

import json

import pytest

from tests.bot.mood.test_mood_app import (
    USERS,
    busy_day,
    close_today,
    counted,
    midweek,
    mood_answer,
)
from tests.helpers.fake_slack import FakeSlack
from tests.helpers.slack_app import served_app


def test_small_days_are_not_shown(database_url, clock):
    with served_app(database_url=database_url, clock=clock) as served:
        midweek(clock)  # the small day waits in its open week: hidden, not dropped
        busy_day(served, users=USERS[:2], at=clock)  # 8 messages but only two people
        close_today(served, clock)
        answer = mood_answer(served)
        assert "nothing to show (hidden: fewer than 3 people)" in answer["text"]
        assert "messages counted" not in answer["text"]
        assert "1 hidden: fewer than 3 people" in answer["text"]


def test_mood_off_and_on_tell_the_channel_who_changed_it(database_url, clock):
    with served_app(database_url=database_url, clock=clock) as served:
        notice = mood_answer(served, "mood off", user_id=USERS[2])
        assert notice["response_type"] == "in_channel"
        assert f"<@{USERS[2]}> turned mood tracking *off*" in notice["text"]
        busy_day(served)
        assert served.mood.recorder.flush()
        assert counted(served) == []
        assert len(served.fake.calls("reactions.add")) == 7  # reactions go on
        served.fake.add_user(USERS[3], "dave", is_admin=True)  # tracking back on: admins
        notice = mood_answer(served, "mood on", user_id=USERS[3])
        assert f"<@{USERS[3]}> turned mood tracking *on*" in notice["text"]
        busy_day(served)
        assert served.mood.recorder.flush()
        assert counted(served)[0].messages == 8


def test_another_channel_needs_the_bot_and_the_asker_in_it(database_url, clock):
    fake = FakeSlack()
    with served_app(database_url=database_url, clock=clock, fake=fake) as served:
        fake.set_members("C0000SUP", [fake.bot_user_id, *USERS], name="support")
        fake.set_members("C0000HR1", USERS, name="hr")  # the bot is not in it
        busy_day(served, channel="C0000SUP")
        close_today(served, clock)

        refused = mood_answer(served, "mood <#C0000HR1|hr>", user_id=USERS[0])
        assert "I'm not in that channel" in refused["text"]
        refused = mood_answer(served, "mood <#C0000SUP|support> 30d", user_id="UOUTSIDER")
        assert "channels you are a member of" in refused["text"]
        assert fake.files == {}

        answer = mood_answer(served, "mood 90d <#C0000SUP|support>", user_id=USERS[1])
        assert "Mood in <#C0000SUP>, last 90 days" in answer["text"]
        assert "8 messages counted" in answer["text"]
        (upload,) = fake.files.values()
        assert upload.channel_id == "D" + USERS[1][1:] and upload.title.startswith("#support")

        shared = mood_answer(served, "mood 90d <#C0000SUP|support> --public", user_id=USERS[1])
        assert shared["response_type"] == "in_channel" and "8 messages" in shared["text"]
        public = [f for f in fake.files.values() if f.channel_id == "C0000SUP"]
        assert len(public) == 1 and f"<@{USERS[1]}> shared" in public[0].initial_comment
        complete = fake.calls("files.completeUploadExternal")[-1]
        assert json.loads(complete.params["files"])[0]["id"] == public[0].id


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mood #support", "Pick the channel from Slack's list"),
        ("mood 14d", "7d, 30d or 90d"),
    ],
)
def test_mood_usage_errors(text, expected, tmp_path):
    with served_app(database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}") as served:
        assert expected in mood_answer(served, text)["text"]


def test_text_starting_with_mood_is_still_analysed(tmp_path):
    with served_app(database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}") as served:
        answer = mood_answer(served, "mood today is great and wonderful")
        assert answer["text"].startswith("Positive")
