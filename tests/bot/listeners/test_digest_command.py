"""``/sentiment digest weekly|off|time`` through the real app (signed slash commands)."""

from __future__ import annotations

from bot.digests import store
from bot.mood.workspace import Workspace
from bot.schedule_time import SendAt, parse_send_at
from tests.helpers.slack_app import served_app

WS = Workspace("T0000FAKE")


def _say(s, text, channel="C0DIGCMD1"):
    s.fake.clear()
    s.command(text, channel_id=channel)
    (answer,) = s.fake.wait_for("response_url")
    s.settle()
    return answer.params


def test_subscribe_set_time_and_unsubscribe(database_url):
    with served_app(database_url=database_url) as s:
        s.fake.add_user("UHUMAN001", "human", is_admin=True)  # digest time: workspace admins
        engine = s.mood.engine
        on = _say(s, "digest weekly")
        assert on["response_type"] == "in_channel"  # the channel sees who subscribed it
        assert "<@UHUMAN001> subscribed this channel" in on["text"] and "Mon 09:00" in on["text"]
        assert store.is_subscribed(engine, WS, "C0DIGCMD1")
        when = _say(s, "digest time fri 16:30")
        assert when["response_type"] == "ephemeral" and "Fri 16:30" in when["text"]
        assert store.send_at_for(engine, WS, parse_send_at("mon 09:00")) == SendAt(4, 990)
        assert "gets the weekly digest" in _say(s, "digest")["text"]
        bad = _say(s, "digest time someday 25:00")
        assert "send time must look like" in bad["text"]
        off = _say(s, "digest off")
        assert off["response_type"] == "in_channel" and "stopped" in off["text"]
        assert not store.is_subscribed(engine, WS, "C0DIGCMD1")
        assert "Use this in the channel" in _say(s, "digest weekly", channel="D0DIRECT1")["text"]
        # Text that merely starts with another word is still analysed as text.
        assert _say(s, "digestion is terrible")["text"].startswith("Negative")


def test_subscribing_a_channel_the_bot_is_not_in_is_refused_with_the_fix(database_url):
    with served_app(database_url=database_url) as s:
        engine = s.mood.engine
        s.fake.set_members("C0NOTIN01", ["UHUMAN001"])  # conversations.info: is_member false
        refused = _say(s, "digest weekly", channel="C0NOTIN01")
        assert refused["response_type"] == "ephemeral"
        assert "invite me with `/invite @sentiment` first" in refused["text"]
        assert not store.is_subscribed(engine, WS, "C0NOTIN01")
        # A private channel the bot is not in: Slack answers channel_not_found.
        s.fake.set_members("G0PRIVATE", ["UHUMAN001"])
        assert "/invite @sentiment" in _say(s, "digest weekly", channel="G0PRIVATE")["text"]
        assert not store.is_subscribed(engine, WS, "G0PRIVATE")
        # Invited: accepted.
        s.fake.set_members("C0NOTIN01", ["UHUMAN001", s.fake.bot_user_id])
        assert "subscribed this channel" in _say(s, "digest weekly", channel="C0NOTIN01")["text"]
        assert store.is_subscribed(engine, WS, "C0NOTIN01")
