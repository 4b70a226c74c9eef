"""Enterprise Grid, org-wide install: the mood row carries the workspace *and* the org.

The payloads are shaped as Slack sends them to an app installed on a whole Enterprise Grid org
(Slack's Events API envelope docs; bolt-python's ``tests/scenario_tests/test_events_org_apps.py``
and a real org-wide payload quoted in bolt-python's issues): the envelope has ``team_id`` (the
workspace the message was posted in), ``enterprise_id``, ``context_team_id`` /
``context_enterprise_id``, and ``authorizations`` for the *org* installation, whose ``team_id``
is null. The message event carries ``team``; users are ``W`` ids. A slash command from that
workspace has ``team_id``, ``enterprise_id``, ``enterprise_name`` and
``is_enterprise_install=true``; ``auth.test`` on an org token answers with the org's id.

Bolt takes a context's ``team_id`` from ``authorizations[0]`` (null here), so the mood record
must find the workspace elsewhere, or every workspace of the org would share one empty
``team_id`` and ``/sentiment mood`` (which has a ``team_id``) would read nothing back.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from bot.console import slack_requests as payloads
from bot.mood import store
from bot.mood.workspace import Workspace
from tests.bot.mood.test_mood_app import NEGATIVE, POSITIVE
from tests.helpers.fake_slack import FakeSlack
from tests.helpers.mood_rows import all_rows
from tests.helpers.slack_app import served_app

ORG = "E0GRIDORG"
WORKSPACE = "T0GRIDWS1"
OTHER_WORKSPACE = "T0GRIDWS2"  # another workspace of the same org
CHANNEL = "C0GRIDGEN"
BOT = "U0GRIDBOT"
PEOPLE = ["W0ALICE01", "W0BOB0002", "W0CAROL03", "W0DAVE004"]


class OrgSlack(FakeSlack):
    """The fake Web API answering ``auth.test`` as it does for an org-wide token."""

    def _answer(self, method: str, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        if method == "auth.test" and token:
            return {
                "ok": True,
                "url": "https://grid-org.enterprise.slack.com/",
                "team": "Grid Org",
                "user": "sentiment",
                "team_id": ORG,
                "user_id": BOT,
                "bot_id": "B0GRIDBOT",
                "enterprise_id": ORG,
                "is_enterprise_install": True,
            }
        return super()._answer(method, params, token)


def org_event(text: str, user: str, team: str = WORKSPACE) -> dict[str, Any]:
    """A ``message.channels`` event as delivered to an org-wide installation."""
    ts = payloads.new_ts()
    return {
        "token": "legacy-verification-token",
        "team_id": team,
        "enterprise_id": ORG,
        "context_team_id": team,
        "context_enterprise_id": ORG,
        "api_app_id": "A0000FAKE",
        "event": {
            "client_msg_id": str(uuid.uuid4()),
            "type": "message",
            "text": text,
            "user": user,
            "ts": ts,
            "team": team,
            "channel": CHANNEL,
            "event_ts": ts,
            "channel_type": "channel",
        },
        "type": "event_callback",
        "event_id": payloads.new_event_id(),
        "event_time": int(time.time()),
        "authed_users": [],
        "authorizations": [
            {
                "enterprise_id": ORG,
                "team_id": None,
                "user_id": BOT,
                "is_bot": True,
                "is_enterprise_install": True,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": "4-eyJldCI6Im1lc3NhZ2UiLCJ0aWQiOiJUMEdSSURXUzEifQ",
    }


def org_command(served, text: str, user: str, team: str = WORKSPACE) -> dict:
    """``/sentiment <text>`` from a workspace of the org; returns what went to response_url."""
    fields = payloads.slash_command(
        text,
        response_url=served.fake.response_url(),
        command=served.settings.sentiment_command,
        channel_id=CHANNEL,
        user_id=user,
        team_id=team,
    )
    fields.update(
        {"enterprise_id": ORG, "enterprise_name": "Grid Org", "is_enterprise_install": "true"}
    )
    before = len(served.fake.calls("response_url"))
    assert served.post(payloads.form_body(fields), "application/x-www-form-urlencoded")[0] == 200
    served.settle()
    calls = served.fake.calls("response_url")
    assert len(calls) == before + 1
    return calls[-1].params


def test_org_wide_install_keeps_team_and_enterprise_and_reads_them_back(database_url, clock):
    fake = OrgSlack(bot_user_id=BOT, team_id=ORG)
    with served_app(database_url=database_url, clock=clock, fake=fake) as served:
        for n, person in enumerate(PEOPLE * 2):
            text = (POSITIVE if n % 3 else NEGATIVE) + f" grid {n}"
            body = payloads.json_body(org_event(text, person))
            assert served.post(body, "application/json")[0] == 200
        served.settle()
        assert len(fake.calls("reactions.add")) == 8
        assert served.mood.recorder.flush()

        (row,) = all_rows(served.mood.engine, ["mood_days"])["mood_days"]
        assert row[:3] == (WORKSPACE, ORG, CHANNEL)  # team_id, enterprise_id, channel_id
        today = clock().date()
        ours = Workspace(WORKSPACE, ORG)
        (day,) = store.channel_days(served.mood.engine, ours, CHANNEL, today, today)
        assert (day.messages, day.authors) == (8, 4)

        served.settle()
        clock.advance(days=2)
        served.mood.maintain()  # closes the day: only closed days are shown

        answer = org_command(served, "mood 7d", PEOPLE[0])
        assert "8 messages counted" in answer["text"], answer["text"]
        other = org_command(served, "mood 7d", PEOPLE[0], team=OTHER_WORKSPACE)
        assert "nothing to show (no messages counted)" in other["text"]  # another workspace: none

        # Opting out in that workspace applies to that workspace's messages.
        assert "opted out" in org_command(served, "optout", PEOPLE[1])["text"]
        fake.clear()
        body = payloads.json_body(org_event(POSITIVE + " after", PEOPLE[1]))
        assert served.post(body, "application/json")[0] == 200
        served.settle()
        assert fake.calls("reactions.add") == []
        assert served.mood.recorder.pending == 0
        assert served.mood.summary(ours, CHANNEL, 7).current.messages == 8
