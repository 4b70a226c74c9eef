"""Enterprise Grid org-wide installs, and which ``tokens_revoked`` events delete a workspace."""

from __future__ import annotations

import time

from bot.console import slack_requests as payloads
from bot.storage.engine import make_engine
from tests.bot.install.helpers import oauth_app, rows_of
from tests.bot.install.oauth_slack import OAuthSlack, Workspace, install, wait

HAPPY = "great love excellent wonderful news"


def _grid_message(served, enterprise_id: str, team_id: str, bot_user_id: str):
    body = payloads.event_callback(payloads.message_event(HAPPY), team_id=team_id)
    body["enterprise_id"] = enterprise_id
    body["context_team_id"] = team_id
    body["context_enterprise_id"] = enterprise_id
    body["authorizations"] = [
        {
            "enterprise_id": enterprise_id,
            "team_id": None,
            "user_id": bot_user_id,
            "is_bot": True,
            "is_enterprise_install": True,
        }
    ]
    body["is_ext_shared_channel"] = False
    return served.post(payloads.json_body(body), "application/json")


def test_an_org_wide_install_answers_every_workspace_of_the_org_and_uninstalls_them_all(
    tmp_path,
):
    database_url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    fake = OAuthSlack()
    org = fake.add_workspace(
        Workspace(
            "code-org", None, enterprise_id="E0RG00001", org_install=True, bot_user_id="UORG1"
        )
    )
    with oauth_app(database_url, fake) as served:
        assert install(served.url, org.code)[0] == 200
        for team in ("TSUB00001", "TSUB00002"):
            assert _grid_message(served, org.enterprise_id, team, org.bot_user_id)[0] == 200
        fake.wait_for("reactions.add", 2, timeout=10)
        served.settle()
        assert {c.token for c in fake.calls("reactions.add")} == {org.token}

        engine = make_engine(database_url)
        assert wait(lambda: rows_of(engine, "TSUB00001")["mood_days"] >= 1, timeout=5)
        body = payloads.event_callback({"type": "app_uninstalled"}, team_id="TSUB00001")
        body.update(enterprise_id=org.enterprise_id, is_enterprise_install=True)
        body["authorizations"][0].update(
            enterprise_id=org.enterprise_id, team_id=None, is_enterprise_install=True
        )
        assert served.post(payloads.json_body(body), "application/json")[0] == 200
        for team in ("TSUB00001", "TSUB00002"):
            assert wait(lambda t=team: not any(rows_of(engine, t).values()), timeout=10)
        with engine.connect() as conn:
            from sqlalchemy import text

            assert conn.execute(text("SELECT count(*) FROM slack_bots")).scalar() == 0
        engine.dispose()


def _revoked(served, team_id: str, tokens: dict):
    body = payloads.event_callback({"type": "tokens_revoked", "tokens": tokens}, team_id=team_id)
    return served.post(payloads.json_body(body), "application/json")


def test_a_revoked_user_token_keeps_the_bot_a_revoked_bot_token_deletes_the_workspace(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    fake = OAuthSlack()
    a = fake.add_workspace(Workspace("code-a", "TAAAA0001", bot_user_id="UBOTA0001"))
    with oauth_app(database_url, fake) as served:
        assert install(served.url, a.code)[0] == 200
        engine = make_engine(database_url)
        assert _revoked(served, a.team_id, {"oauth": ["UINSTALLER"]})[0] == 200
        served.settle()
        time.sleep(0.3)
        assert rows_of(engine, a.team_id)["slack_bots"] == 1
        assert rows_of(engine, a.team_id)["slack_installations"] == 1
        body = payloads.event_callback(payloads.message_event(HAPPY), team_id=a.team_id)
        served.post(payloads.json_body(body), "application/json")
        assert fake.wait_for("reactions.add", timeout=10)[0].token == a.token

        # Someone else's bot user id is not ours: nothing is deleted.
        assert _revoked(served, a.team_id, {"bot": ["UOTHER001"]})[0] == 200
        served.settle()
        time.sleep(0.3)
        assert rows_of(engine, a.team_id)["slack_bots"] == 1

        assert _revoked(served, a.team_id, {"bot": [a.bot_user_id]})[0] == 200
        assert wait(lambda: not any(rows_of(engine, a.team_id).values()), timeout=10)
        engine.dispose()


def test_one_workspaces_refused_token_leaves_the_replica_ready(tmp_path):
    from tests.bot.install.oauth_slack import get

    database_url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    fake = OAuthSlack()
    a = fake.add_workspace(Workspace("code-a", "TAAAA0001", bot_user_id="UBOTA0001"))
    with oauth_app(database_url, fake) as served:
        assert install(served.url, a.code)[0] == 200
        fake.fail("reactions.add", error="token_revoked")
        body = payloads.event_callback(payloads.message_event(HAPPY), team_id=a.team_id)
        served.post(payloads.json_body(body), "application/json")
        fake.wait_for("reactions.add", timeout=10)
        served.settle()
        assert fake.calls("reactions.add")[0].error == "token_revoked"
        assert get(served.url + "/readyz")[0] == 200
