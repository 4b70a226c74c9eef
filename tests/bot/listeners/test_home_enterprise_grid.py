"""The Home tab on an Enterprise Grid org-wide install: the viewer's workspace *and* org.

Bolt's context ``team_id`` is null there (the installation is the org's), so the Home tab must
find the workspace the way the message listener does (``Workspace.of``): the envelope's
``context_team_id`` / ``team_id``, and for a button click the payload's ``team.id``. Payload
shapes as in ``tests/bot/mood/test_enterprise_grid.py``.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

from bot.home.view import OPT_OUT_ACTION
from bot.mood.workspace import Workspace
from tests.bot.mood.test_enterprise_grid import BOT, ORG, OTHER_WORKSPACE, WORKSPACE, OrgSlack
from tests.helpers import slack_requests as payloads
from tests.helpers.mood_rows import add_days
from tests.helpers.slack_app import served_app

VIEWER = "W0VIEWER1"
CHANNEL = "C0GRIDHOM"


def org_home_opened(team: str = WORKSPACE) -> dict[str, Any]:
    """``app_home_opened`` as delivered to an org-wide installation (its team_id is null)."""
    return {
        "token": "legacy-verification-token",
        "team_id": team,
        "enterprise_id": ORG,
        "context_team_id": team,
        "context_enterprise_id": ORG,
        "api_app_id": "A0000FAKE",
        "event": payloads.app_home_opened_event(user=VIEWER),
        "type": "event_callback",
        "event_id": payloads.new_event_id(),
        "event_time": int(time.time()),
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
    }


def org_button(action_id: str, team: str = WORKSPACE) -> dict[str, Any]:
    """The Home tab's button clicked in a workspace of the org."""
    payload = payloads.block_actions(action_id, user_id=VIEWER, team_id=team)
    payload.update({"enterprise": {"id": ORG, "name": "Grid Org"}, "is_enterprise_install": True})
    return payload


def _published(fake, count: int = 1) -> dict[str, Any]:
    view = fake.wait_for("views.publish", count, timeout=10)[-1].params["view"]
    return json.loads(view) if isinstance(view, str) else view


def test_home_tab_on_an_org_wide_install_reads_the_viewers_workspace_and_org(database_url):
    fake = OrgSlack(bot_user_id=BOT, team_id=ORG)
    with served_app(database_url=database_url, fake=fake) as served:
        mood = served.mood
        last = mood.last_closed_day()
        rows = [(last - timedelta(days=i), 40, 16, 4) for i in range(30)]
        add_days(mood.engine, CHANNEL, rows, team_id=WORKSPACE, enterprise_id=ORG)
        fake.add_member(CHANNEL, VIEWER)

        status, _ = served.post(payloads.json_body(org_home_opened()), "application/json")
        assert status == 200
        view = _published(fake)
        assert f"<#{CHANNEL}>" in json.dumps(view)  # the workspace's counts, found

        fake.clear()
        served.post(payloads.json_body(org_home_opened(OTHER_WORKSPACE)), "application/json")
        assert f"<#{CHANNEL}>" not in json.dumps(_published(fake))  # another workspace: none

        fake.clear()
        body = payloads.interactive_body(org_button(OPT_OUT_ACTION))
        assert served.post(body, "application/x-www-form-urlencoded")[0] == 200
        _published(fake)
        served.settle()
        assert mood.opted_out(Workspace(WORKSPACE, ORG), VIEWER)
        assert not mood.opted_out(Workspace(OTHER_WORKSPACE, ORG), VIEWER)
        assert not mood.opted_out(Workspace(WORKSPACE), VIEWER)
