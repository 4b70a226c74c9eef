"""The App Home tab as Slack drives it: app_home_opened -> views.publish, and its button.

Signed HTTP requests and Socket Mode envelopes into the real app; the fake Web API answers
users.conversations and views.publish (charts are data visualization blocks: no upload); the
mood record is on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.home.view import MAX_BLOCKS, MAX_CHARTS, OPT_IN_ACTION, OPT_OUT_ACTION
from bot.mood.workspace import Workspace
from tests.helpers import slack_requests as payloads
from tests.helpers.mood_rows import add_days
from tests.helpers.slack_app import served_app, socket_mode_app, wait_until

VIEWER = "UVIEWER01"
WS = Workspace("T0000FAKE")


def _fill(mood, channel, *, messages=40, negative=4, authors=6, days=60):
    last = mood.last_closed_day()
    rows = [(last - timedelta(days=i), messages, 16, negative) for i in range(days)]
    add_days(mood.engine, channel, rows, authors=authors)


def _view_json(fake, count=1):
    calls = fake.wait_for("views.publish", count, timeout=10)
    view = calls[-1].params["view"]
    return json.loads(view) if isinstance(view, str) else view


def _interactive(served, payload):
    return served.post(payloads.interactive_body(payload), "application/x-www-form-urlencoded")


@pytest.fixture
def served(database_url):
    with served_app(database_url=database_url) as served:
        fake, mood = served.fake, served.mood
        for channel in ("C0HOMEA01", "C0HOMEB01", "C0NOTMINE"):
            _fill(mood, channel)
        _fill(mood, "C0HOMESML", authors=2)  # never enough people on any day
        for channel in ("C0HOMEA01", "C0HOMEB01", "C0HOMESML", "C0UNTRACK"):
            fake.add_member(channel, VIEWER)
        fake.add_member("C0NOTMINE", "USOMEONE1")
        yield served


def test_home_opened_publishes_the_viewers_channels_with_charts(served):
    event = payloads.event_callback(payloads.app_home_opened_event(user=VIEWER))
    status, _ = served.post(payloads.json_body(event), "application/json")
    assert status == 200
    final = _view_json(served.fake, 1)  # once, charts included: Slack draws them
    served.settle()
    calls = served.fake.calls("views.publish")
    assert len(calls) == 1 and calls[0].params["user_id"] == VIEWER
    text = json.dumps(final)
    assert "C0HOMEA01" in text and "C0HOMEB01" in text
    assert "C0NOTMINE" not in text and "C0UNTRACK" not in text  # not a member / no counts
    assert "1,200 messages" in text and "% positive (" in text and "no clear change" in text
    assert "hidden: fewer than 3 people" in text  # C0HOMESML: minimum group size
    charts = [b for b in final["blocks"] if b["type"] == "data_visualization"]
    assert len(charts) == MAX_CHARTS == 2  # Slack allows two per message
    assert all(len(b["title"]) <= 50 for b in charts)
    assert not served.fake.files and not served.fake.calls("files.getUploadURLExternal")
    assert "Opt out" in text and "never" in text.lower()  # the button, and what is stored


def test_opt_out_button_flips_the_viewers_state_and_republishes(served):
    status, body = _interactive(served, payloads.block_actions(OPT_OUT_ACTION, user_id=VIEWER))
    assert status == 200 and body == ""
    view = _view_json(served.fake)
    served.settle()
    assert served.mood.opted_out(WS, VIEWER)
    buttons = [b["accessory"]["action_id"] for b in view["blocks"] if "accessory" in b]
    assert buttons == [OPT_IN_ACTION]
    served.fake.clear()
    _interactive(served, payloads.block_actions(OPT_IN_ACTION, user_id=VIEWER))
    _view_json(served.fake)
    served.settle()
    assert not served.mood.opted_out(WS, VIEWER)


def test_messages_tab_opens_are_ignored(served):
    event = payloads.event_callback(payloads.app_home_opened_event(user=VIEWER, tab="messages"))
    served.post(payloads.json_body(event), "application/json")
    served.settle()
    assert not served.fake.calls("views.publish")


def test_home_and_its_button_over_socket_mode(tmp_path):
    url = f"sqlite:///{tmp_path / 'socket.sqlite3'}"
    with socket_mode_app(database_url=url) as (ws, fake, pool):
        _fill(ws.mood, "C0SOCKET1")
        fake.add_member("C0SOCKET1", VIEWER)
        event = payloads.event_callback(payloads.app_home_opened_event(user=VIEWER))
        ws.ack_for(ws.send("events_api", event))
        view = _view_json(fake, 1)
        assert "C0SOCKET1" in json.dumps(view) and "data_visualization" in json.dumps(view)
        ack = ws.ack_for(
            ws.send("interactive", payloads.block_actions(OPT_OUT_ACTION, user_id=VIEWER))
        )
        assert not ack.get("payload")
        assert wait_until(lambda: ws.mood.opted_out(WS, VIEWER))
        assert pool.wait_idle(10)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_viewer_in_fifty_channels_gets_a_view_within_slacks_block_limit(served):
    for i in range(50):
        channel = f"C0MANY{i:03d}"
        _fill(served.mood, channel, days=30, messages=30)  # quieter: no chart
        served.fake.add_member(channel, VIEWER)
    event = payloads.event_callback(payloads.app_home_opened_event(user=VIEWER))
    served.post(payloads.json_body(event), "application/json")
    view = _view_json(served.fake, 1)
    served.settle()
    assert len(view["blocks"]) <= MAX_BLOCKS
    text = json.dumps(view)
    assert all(f"C0MANY{i:03d}" in text for i in range(50))
    assert sum(b["type"] == "data_visualization" for b in view["blocks"]) == MAX_CHARTS


def test_the_ack_does_not_wait_for_the_view(served):
    """app_home_opened is answered at once; the view is built and published after the ack."""
    served.fake.fail("users.conversations", delay=2.0)
    event = payloads.event_callback(payloads.app_home_opened_event(user=VIEWER))
    status, _ = served.post(payloads.json_body(event), "application/json")
    assert status == 200
    assert served.fake.calls("views.publish") == []
    _view_json(served.fake, 1)
