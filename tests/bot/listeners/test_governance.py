"""Who may change what, through the real app (signed slash commands, the fake Slack answering
users.info and usergroups.users.list), on SQLite and PostgreSQL.

Workspace-wide changes (digest time, minimum group size, backfill, tracking back on) need an
admin, an owner or a member of MOOD_ADMIN_GROUP; anyone may turn tracking off and subscribe or
unsubscribe their channel. A refusal says who can; a change is announced where it shows; a
command that changes nothing says so and announces nothing.
"""

from __future__ import annotations

import json
from datetime import timedelta

from bot.digests import store as digest_store
from bot.mood.workspace import Workspace
from bot.mood.workspace_settings import stored_min_authors
from bot.schedule_time import SendAt
from tests.helpers.mood_rows import add_days
from tests.helpers.slack_app import served_app

WS = Workspace("T0000FAKE")
ADMIN = "UADMIN001"
MEMBER = "UMEMBER01"
GROUPIE = "UGROUP001"
GROUP = "S0MOODADM"
CHANNEL = "C0GOVERN1"


def _say(s, text, user=MEMBER, channel=CHANNEL) -> dict:
    before = len(s.fake.calls("response_url"))
    assert s.command(text, user_id=user, channel_id=channel)[0] == 200
    s.settle()
    calls = s.fake.calls("response_url")
    assert len(calls) == before + 1
    return calls[-1].params


def _posts(s, channel=None) -> list:
    calls = s.fake.calls("chat.postMessage")
    return [c for c in calls if channel is None or c.params["channel"] == channel]


def test_digest_time_needs_an_admin_and_is_announced_in_every_digest_channel(database_url):
    with served_app(database_url=database_url) as s:
        s.fake.add_user(ADMIN, "admin", is_admin=True)
        engine = s.mood.engine
        for channel in ("C0DIGEST1", "C0DIGEST2"):
            assert _say(s, "digest weekly", channel=channel)["response_type"] == "in_channel"
        s.fake.clear()

        refused = _say(s, "digest time fri 16:30")
        assert refused["response_type"] == "ephemeral"
        assert refused["text"] == (
            "Only workspace admins and owners can change when digests go out; ask one of them."
        )
        assert digest_store.send_at_for(engine, WS, SendAt(0, 540)) == SendAt(0, 540)
        assert _posts(s) == []
        assert s.fake.calls("users.info")[0].params["user"] == MEMBER

        done = _say(s, "digest time fri 16:30", user=ADMIN)
        assert done["response_type"] == "ephemeral"
        assert "Fri 16:30" in done["text"] and "told the 2 channels" in done["text"]
        assert digest_store.send_at_for(engine, WS, SendAt(0, 540)) == SendAt(4, 990)
        told = _posts(s)
        assert sorted(c.params["channel"] for c in told) == ["C0DIGEST1", "C0DIGEST2"]
        assert all(
            f"<@{ADMIN}> moved this workspace's weekly mood digest from Mon 09:00 to Fri 16:30"
            in c.params["text"]
            for c in told
        )

        # The same time again changes nothing: said to the asker, announced nowhere.
        s.fake.clear()
        same = _say(s, "digest time friday 16:30", user=ADMIN)
        assert "already go out Fri 16:30" in same["text"] and "nothing changed" in same["text"]
        assert _posts(s) == []


def test_a_member_of_the_operators_user_group_may_change_workspace_settings(database_url):
    with served_app(database_url=database_url, mood_admin_group=GROUP) as s:
        s.fake.add_user(ADMIN, "admin", is_admin=True)
        s.fake.usergroups = {GROUP: {GROUPIE}}
        refused = _say(s, "digest time tue 10:00")
        assert (
            "Only workspace admins and owners and members of the user group `S0MOODADM`"
            in (refused["text"])
        )
        done = _say(s, "digest time tue 10:00", user=GROUPIE)
        assert "Tue 10:00" in done["text"] and "nobody to tell" in done["text"]
        assert [c.params["usergroup"] for c in s.fake.calls("usergroups.users.list")] == [
            GROUP,
            GROUP,
        ]
        # The answer is kept per process: a second change asks Slack nothing.
        s.fake.clear()
        _say(s, "digest time wed 10:00", user=GROUPIE)
        assert s.fake.calls("users.info") == [] and s.fake.calls("usergroups.users.list") == []


def test_when_slack_cannot_say_who_is_an_admin_nothing_changes(database_url):
    with served_app(database_url=database_url) as s:
        s.fake.fail("users.info", error="ratelimited", status=429, retry_after=0, times=5)
        answer = _say(s, "digest time fri 16:30")
        assert "couldn't check with Slack" in answer["text"]
        assert digest_store.send_at_for(s.mood.engine, WS, SendAt(0, 540)) == SendAt(0, 540)


def test_anyone_turns_tracking_off_only_admins_turn_it_back_on(database_url):
    with served_app(database_url=database_url) as s:
        s.fake.add_user(ADMIN, "admin", is_admin=True)
        off = _say(s, "mood off")
        assert off["response_type"] == "in_channel" and "*off*" in off["text"]
        assert s.fake.calls("users.info") == []  # privacy wins: nobody is asked
        again = _say(s, "mood off")
        assert again["response_type"] == "ephemeral"
        assert "already off in this channel, so nothing changed" in again["text"]

        refused = _say(s, "mood on")
        assert refused["response_type"] == "ephemeral"
        assert (
            "Only workspace admins and owners can turn mood tracking back on" in (refused["text"])
        )
        assert not s.mood.counting(WS, CHANNEL)
        on = _say(s, "mood on", user=ADMIN)
        assert on["response_type"] == "in_channel" and f"<@{ADMIN}> turned" in on["text"]
        assert s.mood.counting(WS, CHANNEL)
        assert "already on" in _say(s, "mood on", user=ADMIN)["text"]


def test_backfill_needs_an_admin(database_url):
    with served_app(database_url=database_url) as s:
        s.fake.add_user(ADMIN, "admin", is_admin=True)
        refused = _say(s, "mood backfill")
        assert refused["text"] == (
            "Only workspace admins and owners can read a channel's history into the mood "
            "record; ask one of them."
        )
        assert s.fake.calls("conversations.history") == [] and _posts(s) == []


def test_repeated_digest_weekly_and_off_change_nothing_and_announce_nothing(database_url):
    with served_app(database_url=database_url) as s:
        s.fake.add_user(ADMIN, "admin", is_admin=True)
        first = _say(s, "digest weekly")  # anyone may, in their channel
        assert first["response_type"] == "in_channel"
        assert "the first comes Monday" in first["text"]
        again = _say(s, "digest weekly")
        assert again["response_type"] == "ephemeral"
        assert "already gets the weekly digest" in again["text"]
        assert "nothing changed" in again["text"]
        assert _say(s, "digest off")["response_type"] == "in_channel"
        off_again = _say(s, "digest off")
        assert off_again["response_type"] == "ephemeral"
        assert "doesn't get the weekly digest, so nothing changed" in off_again["text"]


def test_min_people_raises_the_floor_for_this_workspace_only(database_url):
    with served_app(database_url=database_url) as s:
        s.fake.add_user(ADMIN, "admin", is_admin=True)
        mood, engine = s.mood, s.mood.engine
        last = mood.last_closed_day()
        add_days(
            engine, CHANNEL, [(last - timedelta(days=i), 20, 8, 2) for i in range(7)], authors=4
        )
        assert _say(s, "digest weekly", channel="C0DIGEST1")["response_type"] == "in_channel"
        assert mood.summary(WS, CHANNEL, 7).current.messages == 140  # 4 >= 3 people

        refused = _say(s, "mood min-people 5")
        assert (
            "Only workspace admins and owners can change the minimum group size"
            in (refused["text"])
        )
        too_low = _say(s, "mood min-people 2", user=ADMIN)
        assert "can't go below 3 people" in too_low["text"]
        assert "not a number" not in _say(s, "mood min-people five", user=ADMIN)["text"]
        assert "whole number" in _say(s, "mood min-people five", user=ADMIN)["text"]

        s.fake.clear()
        done = _say(s, "mood min-people 5", user=ADMIN)
        assert done["response_type"] == "in_channel"
        assert f"<@{ADMIN}> set this workspace's minimum group size to 5 people" in done["text"]
        assert [c.params["channel"] for c in _posts(s)] == ["C0DIGEST1"]  # where digests show
        assert stored_min_authors(engine, WS) == 5
        assert mood.min_authors(WS) == 5
        assert mood.min_authors(Workspace("T0THEROTHR")) == 3  # another workspace: the floor
        assert mood.summary(WS, CHANNEL, 7).current.messages == 0  # 4 < 5 people
        s.fake.clear()
        same = _say(s, "mood min-people 5", user=ADMIN)
        assert "already 5 people, so nothing changed" in same["text"] and _posts(s) == []
        # Back down to the operator's floor is allowed; below it is not.
        assert _say(s, "mood min-people 3", user=ADMIN)["response_type"] == "in_channel"
        assert mood.summary(WS, CHANNEL, 7).current.messages == 140


def test_status_gives_the_workspace_overview(database_url):
    with served_app(database_url=database_url) as s:
        s.fake.add_user(ADMIN, "admin", is_admin=True)
        last = s.mood.last_closed_day()
        for channel in ("C0TRACKD1", "C0TRACKD2", "C0OFFNOW1"):
            add_days(s.mood.engine, channel, [(last, 20, 8, 2)], authors=5)
        _say(s, "mood off", channel="C0OFFNOW1")
        _say(s, "digest weekly", channel="C0TRACKD1")
        _say(s, "mood min-people 4", user=ADMIN)
        answer = _say(s, "status", channel="C0TRACKD1")
        assert answer["response_type"] == "ephemeral"
        text = answer["text"]
        assert "This channel: tracking is *on*" in text
        assert "<#C0TRACKD1>, <#C0TRACKD2>" in text and "<#C0OFFNOW1>" in text
        assert "Tracking switched off in: <#C0OFFNOW1>" in text
        assert "Weekly digest (Mon 09:00, UTC;" in text and "in: <#C0TRACKD1>" in text
        assert "Minimum group size: 4 people (raised from the operator's 3)" in text
        assert "workspace admins and owners" in text
        assert "Never message text" in json.dumps(answer["blocks"])
        off_here = _say(s, "status", channel="C0OFFNOW1")["text"]
        assert "This channel: tracking is *off*" in off_here


def test_over_socket_mode_a_refusal_and_a_did_you_mean(tmp_path):
    from bot.console import slack_requests as payloads
    from tests.helpers.slack_app import socket_mode_app

    database = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    with socket_mode_app(database_url=database) as (ws, fake, _pool):
        fake.add_user(ADMIN, "admin", is_admin=True)
        fields = payloads.slash_command("digest time fri 16:30", response_url=fake.response_url())
        ws.ack_for(ws.send("slash_commands", fields))
        (refused,) = fake.wait_for("response_url", timeout=10)
        assert refused.params["text"].startswith("Only workspace admins and owners can change")
        fields = payloads.slash_command("mood backfil", response_url=fake.response_url())
        ws.ack_for(ws.send("slash_commands", fields))
        answers = fake.wait_for("response_url", 2, timeout=10)
        assert "Did you mean `/sentiment mood backfill`?" in answers[-1].params["text"]
