"""Multi-workspace mode through the real app: install over the two routes, events per
workspace, a workspace that never installed, tokens encrypted at rest, uninstall.

SQLite and PostgreSQL (the ``database_url`` fixture); the fake Slack serves ``oauth.v2.access``.
"""

from __future__ import annotations

import time

from bot.console import slack_requests as payloads
from bot.storage.engine import make_engine
from tests.bot.install.helpers import (
    all_rows_text,
    oauth_app,
    rows_of,
    seed_every_table,
    sqlite_bytes,
)
from tests.bot.install.oauth_slack import OAuthSlack, Workspace, install, wait
from tests.helpers.logs import debug_log_stream

HAPPY = "great love excellent wonderful news"


def _message(served, team_id: str, channel: str = "C0000GEN", **envelope):
    event = payloads.event_callback(payloads.message_event(HAPPY, channel=channel), team_id=team_id)
    event.update(envelope)
    return served.post(payloads.json_body(event), "application/json")


def _uninstalled(served, team_id: str, event_type: str = "app_uninstalled", **event):
    body = payloads.event_callback({"type": event_type, **event}, team_id=team_id)
    return served.post(payloads.json_body(body), "application/json")


def test_two_workspaces_install_a_third_never_did_tokens_encrypted_uninstall_one(database_url):
    fake = OAuthSlack()
    a = fake.add_workspace(Workspace("code-a", "TAAAA0001", bot_user_id="UBOTA0001"))
    b = fake.add_workspace(Workspace("code-b", "TBBBB0001", bot_user_id="UBOTB0001"))
    with debug_log_stream() as logs, oauth_app(database_url, fake) as served:
        for workspace in (a, b):
            status, page = install(served.url, workspace.code)
            assert status == 200, page
        assert [c.params.get("code") for c in fake.calls("oauth.v2.access")] == ["code-a", "code-b"]

        for workspace in (a, b):
            assert _message(served, workspace.team_id)[0] == 200
        assert fake.wait_for("reactions.add", 2, timeout=10)
        served.settle()
        assert {c.token for c in fake.calls("reactions.add")} == {a.token, b.token}

        before = len(fake.calls())
        assert _message(served, "TCCCC0001")[0] == 200
        served.settle()
        time.sleep(0.2)
        assert [c for c in fake.calls()[before:] if c.token] == []
        assert "no_installation team=TCCCC0001" in logs.getvalue()
        assert "AuthorizeResult" not in logs.getvalue()  # Bolt's line naming no workspace

        engine = make_engine(database_url)
        stored = all_rows_text(engine) + sqlite_bytes(database_url).decode("latin-1")
        assert "TAAAA0001" in stored  # the scan does see the installations
        for token in [*a.secrets, *b.secrets]:
            assert token not in stored
            assert token not in logs.getvalue()

        seeded = seed_every_table(engine, a.team_id)
        seed_every_table(engine, b.team_id)
        assert {"mood_days", "digest_subscriptions", "backfill_jobs"} <= set(seeded)
        assert _uninstalled(served, a.team_id)[0] == 200
        assert wait(lambda: not any(rows_of(engine, a.team_id).values()), timeout=10), rows_of(
            engine, a.team_id
        )
        left_b = rows_of(engine, b.team_id)
        assert all(left_b[name] >= 1 for name in seeded), {
            n: left_b[n] for n in seeded if not left_b[n]
        }
        assert left_b["slack_bots"] == 1 and left_b["slack_installations"] == 1

        # B still works; A is gone: no token used for it any more.
        fake.clear()
        _message(served, b.team_id, channel="C0000TWO")
        _message(served, a.team_id, channel="C0000TWO")
        served.settle()
        time.sleep(0.2)
        assert {c.token for c in fake.calls() if c.token} == {b.token}
        engine.dispose()
