"""Workspace A never sees or changes workspace B's data, on every surface (issue 17).

The two workspaces use the *same* channel id and the *same* user ids, as two sides of a Slack
Connect channel do, so anything keyed by channel or user alone (a query without the team, an
in-memory cache keyed by user id) shows up as a number crossing over. Signed requests into the
real app, with a different ``team_id`` per workspace; single-token mode for most surfaces (the
bot keys data by the payload's team), Enterprise Grid org-wide payloads for two workspaces of
one org, and multi-workspace mode with two installs through the OAuth routes. SQLite and
PostgreSQL (the ``database_url`` fixture). Uninstall is tested in ``tests/bot/install``.
"""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.backfill import store as backfill_store
from bot.digests import store as digest_store
from bot.digests.runner import DigestRunner
from bot.feedback import store as feedback_store
from bot.home.view import OPT_IN_ACTION, OPT_OUT_ACTION
from bot.mood import store as mood_store
from bot.mood.workspace import Workspace
from bot.slack.web_api import make_web_client
from bot.storage.engine import make_engine
from bot.storage.migrate import migrate
from tests.bot.backfill.test_backfill import _history
from tests.bot.install.helpers import oauth_app
from tests.bot.install.oauth_slack import OAuthSlack, install
from tests.bot.install.oauth_slack import Workspace as Installable
from tests.bot.listeners.test_feedback import _feedback_values, _press, _send
from tests.bot.mood.test_enterprise_grid import ORG, OrgSlack, org_command, org_event
from tests.helpers import slack_requests as payloads
from tests.helpers.fake_slack import FakeSlack
from tests.helpers.mood_rows import add_days
from tests.helpers.slack_app import make_settings, served_app, wait_until

A, B, NEVER = Workspace("T0ISOA001"), Workspace("T0ISOB001"), Workspace("T0ISOC001")
CHANNEL = "C0SHARED1"  # the same channel id in both workspaces (Slack Connect)
PEOPLE = ["U0ALICE01", "U0BOB0002", "U0CAROL03", "U0DAVE004"]  # the same user ids in both
ADMIN = PEOPLE[0]
HAPPY = "great love excellent wonderful news"
SAD = "terrible awful broken horrible day"


# -- requests ---------------------------------------------------------------------------------


def command(
    served, workspace: Workspace, text: str, user: str = ADMIN, channel: str = CHANNEL
) -> dict:
    """``/sentiment TEXT`` from ``workspace``; what was posted to its response_url."""
    fields = payloads.slash_command(
        text,
        response_url=served.fake.response_url(),
        command=served.settings.sentiment_command,
        channel_id=channel,
        user_id=user,
        team_id=workspace.team_id,
    )
    before = len(served.fake.calls("response_url"))
    assert served.post(payloads.form_body(fields), "application/x-www-form-urlencoded")[0] == 200
    assert wait_until(lambda: len(served.fake.calls("response_url")) > before, timeout=10)
    served.settle()
    return served.fake.calls("response_url")[-1].params


def message(served, workspace: Workspace, text: str, user: str, channel: str = CHANNEL) -> None:
    event = payloads.message_event(text, channel=channel, user=user)
    body = payloads.event_callback(event, team_id=workspace.team_id)
    assert served.post(payloads.json_body(body), "application/json")[0] == 200


def seed(engine, workspace: Workspace, last: date, messages: int, *, days: int = 7, **kw) -> None:
    """``days`` closed days up to ``last`` of ``CHANNEL`` in ``workspace``, ``messages`` each."""
    rows = [(last - timedelta(days=i), messages, messages // 2, messages // 5) for i in range(days)]
    channel = kw.pop("channel", CHANNEL)
    add_days(engine, channel, rows, team_id=workspace.team_id, **kw)


def today_messages(mood, workspace: Workspace, channel: str = CHANNEL) -> tuple[int, int]:
    """(messages, authors) stored today for ``channel`` of ``workspace`` (0, 0: none)."""
    assert mood.recorder.flush()
    today = mood.clock().astimezone(mood.tz).date()
    rows = mood_store.channel_days(mood.engine, workspace, channel, today, today)
    return (rows[0].messages, rows[0].authors) if rows else (0, 0)


def _csv_rows(upload) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(upload.data.decode())))


# -- /sentiment mood, export, live counting ----------------------------------------------------


def test_mood_and_export_answer_from_the_askers_workspace_only(database_url, clock):
    with served_app(database_url=database_url, clock=clock) as served:
        last = served.mood.last_closed_day()
        seed(served.mood.engine, A, last, 30, authors=6)
        seed(served.mood.engine, B, last, 12, authors=4)
        assert "210 messages counted" in command(served, A, "mood 7d")["text"]
        answer_b = command(served, B, "mood 7d")["text"]
        assert "84 messages counted" in answer_b and "210" not in answer_b
        assert "no messages counted" in command(served, NEVER, "mood 7d")["text"]

        assert "direct messages" in command(served, A, "mood export 7d")["text"]
        (upload_a,) = served.fake.files.values()
        assert "direct messages" in command(served, B, "mood export 7d")["text"]
        (upload_b,) = [f for f in served.fake.files.values() if f is not upload_a]
        rows_a, rows_b = _csv_rows(upload_a), _csv_rows(upload_b)
        assert len(rows_a) == len(rows_b) == 7
        assert {(r["messages"], r["people"]) for r in rows_a} == {("30", "6")}
        assert {(r["messages"], r["people"]) for r in rows_b} == {("12", "4")}
        assert "Nothing to export" in command(served, NEVER, "mood export 7d")["text"]
        assert len(served.fake.files) == 2


def test_live_counting_keeps_the_same_channel_and_people_apart(database_url, clock):
    with served_app(database_url=database_url, clock=clock) as served:
        for person in PEOPLE:
            message(served, A, HAPPY + " a", person)
            message(served, A, HAPPY + " again", person)
        for person in PEOPLE[:3]:
            message(served, B, SAD + " b", person)
            message(served, B, SAD + " again", person)
        served.settle()
        assert len(served.fake.calls("reactions.add")) == 14
        assert today_messages(served.mood, A) == (8, 4)
        assert today_messages(served.mood, B) == (6, 3)
        assert today_messages(served.mood, NEVER) == (0, 0)

        clock.advance(days=2)
        served.mood.maintain()  # closes the day: only closed days are shown
        text_a = command(served, A, "mood 7d")["text"]
        text_b = command(served, B, "mood 7d")["text"]
        assert "8 messages counted from at least 4 people" in text_a
        assert "6 messages counted from at least 3 people" in text_b


def test_export_cli_names_the_workspaces_and_exports_only_the_one_asked(
    database_url, monkeypatch, capsys, tmp_path
):
    from bot import export_cli
    from bot.mood.days import last_closed_day

    engine = make_engine(database_url)
    migrate(engine)
    last = last_closed_day(datetime.now(UTC), ZoneInfo("UTC"))
    seed(engine, A, last, 30, authors=6)
    seed(engine, B, last, 12, authors=4)
    engine.dispose()
    for name in [n for n in os.environ if n.startswith(("SLACK_", "MOOD_"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("DATABASE_URL", database_url)
    env_file = str(tmp_path / "none.env")

    assert export_cli.main(["--channel", CHANNEL, "--days", "7", "--env-file", env_file]) == 2
    assert "several workspaces (T0ISOA001, T0ISOB001)" in capsys.readouterr().err
    argv = ["--channel", CHANNEL, "--days", "7", "--team", B.team_id, "--env-file", env_file]
    assert export_cli.main(argv) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 7 and {(r["messages"], r["people"]) for r in rows} == {("12", "4")}


# -- opt-outs and channel switches -------------------------------------------------------------


def test_an_opt_out_in_one_workspace_leaves_the_same_user_counted_in_the_other(database_url, clock):
    person = PEOPLE[1]
    with served_app(database_url=database_url, clock=clock) as served:
        assert "You're opted out" in command(served, A, "optout", user=person)["text"]
        assert served.mood.opted_out(A, person) and not served.mood.opted_out(B, person)
        served.fake.clear()
        message(served, A, HAPPY, person)
        served.settle()
        assert served.fake.calls("reactions.add") == []  # opted out in A
        message(served, B, HAPPY, person)
        served.settle()
        assert len(served.fake.calls("reactions.add")) == 1  # still counted in B
        assert today_messages(served.mood, A) == (0, 0)
        assert today_messages(served.mood, B) == (1, 1)
        # In B the same user id is not opted out: optin there changes nothing.
        assert "already opted in" in command(served, B, "optin", user=person)["text"]
        served.mood.refresh()  # the cache as another process reads it from the database
        assert served.mood.opted_out(A, person) and not served.mood.opted_out(B, person)


def test_mood_off_in_one_workspaces_channel_keeps_counting_in_the_others(database_url, clock):
    with served_app(database_url=database_url, clock=clock) as served:
        off = command(served, A, "mood off")
        assert off["response_type"] == "in_channel" and "*off*" in off["text"]
        assert not served.mood.counting(A, CHANNEL) and served.mood.counting(B, CHANNEL)
        for person in PEOPLE:
            message(served, A, HAPPY, person)
            message(served, B, HAPPY, person)
        served.settle()
        assert today_messages(served.mood, A) == (0, 0)
        assert today_messages(served.mood, B) == (4, 4)

        assert "already on" in command(served, B, "mood on")["text"]  # B's channel never went off
        status_a = command(served, A, "status")["text"]
        status_b = command(served, B, "status")["text"]
        assert "tracking is *off*" in status_a and f"switched off in: <#{CHANNEL}>" in status_a
        assert "tracking is *on*" in status_b and "switched off in: no channel" in status_b
        assert f"(counts in the last 30 days): <#{CHANNEL}>" not in status_a
        served.mood.refresh()
        assert not served.mood.counting(A, CHANNEL) and served.mood.counting(B, CHANNEL)


# -- per-workspace settings --------------------------------------------------------------------


def test_min_people_and_digest_time_are_each_workspaces_own(database_url, clock):
    with served_app(database_url=database_url, clock=clock) as served:
        served.fake.add_user(ADMIN, "alice", is_admin=True)
        engine = served.mood.engine
        last = served.mood.last_closed_day()
        seed(engine, A, last, 20, authors=4)
        seed(engine, B, last, 20, authors=4)
        assert command(served, A, "digest weekly", channel="C0AONLY01")["response_type"] == (
            "in_channel"
        )
        assert command(served, B, "digest weekly", channel="C0BONLY01")["response_type"] == (
            "in_channel"
        )
        served.fake.clear()

        changed = command(served, A, "mood min-people 5")
        assert changed["response_type"] == "in_channel" and "5 people" in changed["text"]
        told = [c.params["channel"] for c in served.fake.calls("chat.postMessage")]
        assert told == ["C0AONLY01"]  # B's digest channel is not told about A's change
        # Within the service's cache window: B still has the operator's 3.
        assert served.mood.min_authors(A) == 5 and served.mood.min_authors(B) == 3
        assert "fewer than 5 people" in command(served, A, "mood 7d")["text"]
        assert "140 messages counted" in command(served, B, "mood 7d")["text"]
        assert "min-people 5" not in command(served, B, "mood min-people 3")["text"]
        assert "already 3 people" in command(served, B, "mood min-people 3")["text"]

        served.fake.clear()
        moved = command(served, A, "digest time fri 16:30")["text"]
        assert "now go out Fri 16:30" in moved and "told the 1 channel" in moved
        assert [c.params["channel"] for c in served.fake.calls("chat.postMessage")] == ["C0AONLY01"]
        status_a = command(served, A, "status", channel="C0AONLY01")["text"]
        status_b = command(served, B, "status", channel="C0BONLY01")["text"]
        assert "Weekly digest (Fri 16:30" in status_a and "in: <#C0AONLY01>" in status_a
        assert "Weekly digest (Mon 09:00" in status_b and "in: <#C0BONLY01>" in status_b
        assert "5 people (raised from the operator's 3)" in status_a
        assert "Minimum group size: 3 people and" in status_b
        assert "C0BONLY01" not in status_a and "C0AONLY01" not in status_b

        # The runner: on a Monday 09:05 only B's digest is due, on A's Friday only A's.
        monday = _next_weekday(datetime.now(UTC), 0).replace(hour=9, minute=5)
        friday = _next_weekday(datetime.now(UTC), 4).replace(hour=16, minute=35)
        for workspace, channel in ((A, "C0AONLY01"), (B, "C0BONLY01")):
            seed(
                engine, workspace, last + timedelta(days=7), 20, days=14, channel=channel, authors=4
            )
        texts = {}
        for now, due in ((monday, "C0BONLY01"), (friday, "C0AONLY01")):
            served.fake.clear()
            report = _runner(served.settings, engine, served.fake, now).run()
            assert report.digests == 1
            (post,) = served.fake.calls("chat.postMessage")
            assert post.params["channel"] == due
            texts[due] = post.params["text"]
        # Each digest applies its own workspace's minimum group size to the same 4-people days.
        assert "140 messages" in texts["C0BONLY01"]
        assert "140 messages" not in texts["C0AONLY01"], texts["C0AONLY01"]


def _next_weekday(now: datetime, weekday: int) -> datetime:
    ahead = (weekday - now.weekday()) % 7 or 7
    return (now + timedelta(days=ahead)).replace(second=0, microsecond=0)


def _runner(settings, engine, fake, now: datetime, **kw) -> DigestRunner:
    settings = make_settings(fake, database_url=settings.database_url) if fake else settings
    return DigestRunner(
        settings, engine, make_web_client(settings), now=now, clock=lambda: now, **kw
    )


# -- digests and mood-drop alerts ---------------------------------------------------------------

MONDAY_0905 = datetime(2026, 3, 2, 9, 5, tzinfo=UTC)
LAST_CLOSED = date(2026, 3, 1)


def _month(engine, workspace: Workspace, messages: int, negative_last_week: int) -> None:
    """35 closed days, 10% negative, then the last 7 days with ``negative_last_week``."""
    rows = []
    for offset in range(35):
        day = LAST_CLOSED - timedelta(days=34 - offset)
        negative = negative_last_week if offset >= 28 else messages // 10
        rows.append((day, messages, messages * 2 // 5, negative))
    add_days(engine, CHANNEL, rows, team_id=workspace.team_id)


def test_digests_and_alerts_carry_each_workspaces_own_numbers(database_url):
    engine = make_engine(database_url)
    migrate(engine)
    with FakeSlack() as fake:
        settings = make_settings(fake, database_url=database_url)
        _month(engine, A, 50, negative_last_week=25)  # A's mood clearly drops
        _month(engine, B, 20, negative_last_week=2)  # B's does not
        for workspace in (A, B):
            digest_store.subscribe(engine, workspace, CHANNEL, MONDAY_0905 - timedelta(days=30))
        report = _runner(settings, engine, None, MONDAY_0905).run()
        assert report.digests == 2 and report.alerts == 1
        posts = {
            c.params["metadata"]["event_payload"]["post"]: c.params["text"]
            for c in fake.ok_calls("chat.postMessage")
        }
        assert set(posts) == {
            f"digest:{A.team_id}:{CHANNEL}:2026-03-02",
            f"digest:{B.team_id}:{CHANNEL}:2026-03-02",
            f"alert:{A.team_id}:{CHANNEL}:2026-03-01",
        }
        digest_a = posts[f"digest:{A.team_id}:{CHANNEL}:2026-03-02"]
        digest_b = posts[f"digest:{B.team_id}:{CHANNEL}:2026-03-02"]
        assert "Mar 1: 350 messages" in digest_a and "140" not in digest_a
        assert "Mar 1: 140 messages" in digest_b and "350" not in digest_b
        assert digest_store.alert_state(engine, A, CHANNEL) == (True, LAST_CLOSED)
        assert digest_store.alert_state(engine, B, CHANNEL) == (False, LAST_CLOSED)
        # B unsubscribing its channel leaves A's subscription (same channel id) alone.
        assert digest_store.unsubscribe(engine, B, CHANNEL)
        assert digest_store.is_subscribed(engine, A, CHANNEL)
        assert digest_store.alert_state(engine, A, CHANNEL) == (True, LAST_CLOSED)
    engine.dispose()


# -- the Home tab ------------------------------------------------------------------------------


def _home(served, workspace: Workspace, user: str) -> str:
    before = len(served.fake.calls("views.publish"))
    event = payloads.app_home_opened_event(user=user)
    body = payloads.event_callback(event, team_id=workspace.team_id)
    assert served.post(payloads.json_body(body), "application/json")[0] == 200
    calls = served.fake.wait_for("views.publish", before + 1, timeout=10)
    served.settle()
    view = calls[-1].params["view"]
    return json.dumps(json.loads(view) if isinstance(view, str) else view)


def _buttons(view_text: str) -> set[str]:
    view = json.loads(view_text)
    found = set()
    for block in view["blocks"]:
        found |= {e.get("action_id") for e in block.get("elements", []) if isinstance(e, dict)}
        found.add((block.get("accessory") or {}).get("action_id"))
    return found - {None}


def test_home_tab_shows_each_workspace_its_channels_numbers_and_opt_out(database_url):
    viewer = PEOPLE[2]
    with served_app(database_url=database_url) as served:
        last = served.mood.last_closed_day()
        seed(served.mood.engine, A, last, 40, days=60)
        seed(served.mood.engine, B, last, 10, days=60)
        seed(served.mood.engine, B, last, 10, days=60, channel="C0BONLY01")
        served.fake.add_member(CHANNEL, viewer)
        served.fake.add_member("C0BONLY01", viewer)

        home_a, home_b = _home(served, A, viewer), _home(served, B, viewer)
        assert "1,200 messages" in home_a and "300 messages" not in home_a
        assert "C0BONLY01" not in home_a and "1 in this workspace" in home_a
        assert "300 messages" in home_b and "1,200" not in home_b
        assert "C0BONLY01" in home_b and "2 in this workspace" in home_b

        press = payloads.block_actions(OPT_OUT_ACTION, user_id=viewer, team_id=A.team_id)
        body = payloads.interactive_body(press)
        assert served.post(body, "application/x-www-form-urlencoded")[0] == 200
        assert wait_until(lambda: served.mood.opted_out(A, viewer), timeout=10)
        served.settle()
        assert not served.mood.opted_out(B, viewer)
        assert OPT_OUT_ACTION in _buttons(_home(served, B, viewer))
        assert OPT_IN_ACTION in _buttons(_home(served, A, viewer))


# -- backfill ----------------------------------------------------------------------------------


def test_backfill_in_one_workspace_reads_into_and_writes_only_its_own_rows(database_url):
    with served_app(
        database_url=database_url, backfill_requests_per_minute=6000, backfill_page_size=50
    ) as served:
        mood = served.mood
        last = mood.last_closed_day()
        # B counted the last three days live in the same channel id, and has an opt-out.
        seed(mood.engine, B, last, 9, days=3, authors=3)
        mood.set_opted_out(B, "UOPTOUT1", True)
        before_b = mood_store.channel_days(mood.engine, B, CHANNEL, last - timedelta(days=60), last)
        served.fake.add_history(CHANNEL, _history(last))
        served.fake.add_user(ADMIN, "alice", is_admin=True)

        assert command(served, A, "mood backfill")["text"].startswith("Started")
        assert wait_until(
            lambda: (backfill_store.load_job(mood.engine, A, CHANNEL) or object()).state == "done",
            timeout=60,
        )
        served.settle()
        first = last - timedelta(days=served.settings.backfill_days - 1)
        rows_a = mood_store.channel_days(mood.engine, A, CHANNEL, first, last)
        # B's live days do not shorten A's window: A reads all 30 days, up to the last one.
        assert [r.day for r in rows_a] == [first + timedelta(days=i) for i in range(30)]
        # B's opt-out does not apply in A: UOPTOUT1's message is counted here (5 people).
        assert {(r.messages, r.positive, r.negative, r.authors) for r in rows_a} == {(6, 4, 1, 5)}
        after_b = mood_store.channel_days(mood.engine, B, CHANNEL, last - timedelta(days=60), last)
        assert after_b == before_b and len(after_b) == 3
        assert backfill_store.load_job(mood.engine, B, CHANNEL) is None
        # B can still backfill its own channel: its window ends where its live days start.
        assert command(served, B, "mood backfill")["text"].startswith("Started")
        assert wait_until(
            lambda: (backfill_store.load_job(mood.engine, B, CHANNEL) or object()).state == "done",
            timeout=60,
        )
        served.settle()
        rows_b = mood_store.channel_days(mood.engine, B, CHANNEL, first, last)
        assert len(rows_b) == 30 and rows_b[-3:] == before_b
        assert {(r.messages, r.authors) for r in rows_b[:-3]} == {(5, 4)}  # UOPTOUT1 left out
        assert mood_store.channel_days(mood.engine, A, CHANNEL, first, last) == rows_a


# -- feedback ----------------------------------------------------------------------------------


def test_the_same_reply_rated_in_two_workspaces_counts_once_in_each(database_url):
    with served_app(database_url=database_url) as served:
        served.command("this is really great", channel_id=CHANNEL)
        (answer,) = served.fake.wait_for("response_url")
        served.settle()
        agree, _disagree = _feedback_values(answer.params["blocks"])
        message_ts = payloads.new_ts()
        container = {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": CHANNEL,
            "is_ephemeral": False,
        }
        shown = {"ts": message_ts, "text": answer.params["text"], "blocks": answer.params["blocks"]}
        for workspace in (A, A, B, B):  # a double click in each workspace
            _send(served, _press(agree, container, team_id=workspace.team_id, message=shown))
            served.settle()
        engine = served.mood.engine
        (count_a,) = feedback_store.counts(engine, A)
        (count_b,) = feedback_store.counts(engine, B)
        assert (count_a.agreed, count_a.disagreed) == (1, 0)
        assert (count_b.agreed, count_b.disagreed) == (1, 0)
        assert feedback_store.counts(engine, NEVER) == []
        assert len(served.fake.calls("chat.update")) == 2


# -- Enterprise Grid: two workspaces of one org, org-wide install -------------------------------

GRID_1, GRID_2 = Workspace("T0GRIDWS1", ORG), Workspace("T0GRIDWS2", ORG)
GRID_CHANNEL = "C0GRIDGEN"
GRID_PEOPLE = ["W0ALICE01", "W0BOB0002", "W0CAROL03", "W0DAVE004"]


def test_grid_workspaces_of_one_org_keep_switches_opt_outs_and_counts_apart(database_url, clock):
    fake = OrgSlack(bot_user_id="U0GRIDBOT", team_id=ORG)
    with served_app(database_url=database_url, clock=clock, fake=fake) as served:
        off = org_command(served, "mood off", GRID_PEOPLE[0], team=GRID_1.team_id)
        assert "*off*" in off["text"]
        opted = org_command(served, "optout", GRID_PEOPLE[0], team=GRID_2.team_id)
        assert "You're opted out" in opted["text"]
        for person in GRID_PEOPLE:
            for workspace in (GRID_1, GRID_2):
                body = payloads.json_body(org_event(HAPPY, person, team=workspace.team_id))
                assert served.post(body, "application/json")[0] == 200
        served.settle()
        assert today_messages(served.mood, GRID_1, GRID_CHANNEL) == (0, 0)  # switched off
        assert today_messages(served.mood, GRID_2, GRID_CHANNEL) == (3, 3)  # one opted out
        # The same team ids without the org are other workspaces: nothing of theirs.
        assert today_messages(served.mood, Workspace(GRID_2.team_id), GRID_CHANNEL) == (0, 0)
        status = org_command(served, "status", GRID_PEOPLE[1], team=GRID_2.team_id)["text"]
        assert "tracking is *on*" in status and "switched off in: no channel" in status
        status = org_command(served, "status", GRID_PEOPLE[1], team=GRID_1.team_id)["text"]
        assert "tracking is *off*" in status
        assert served.mood.opted_out(GRID_2, GRID_PEOPLE[0])
        assert not served.mood.opted_out(GRID_1, GRID_PEOPLE[0])


# -- multi-workspace mode: two installs through the OAuth routes --------------------------------


class AdminPerWorkspaceSlack(OAuthSlack):
    """``users.info`` answers with the token's workspace: ``ADMIN`` is an admin in A only."""

    def _answer(self, method: str, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        if method == "users.info":
            owner = self._owner(token)
            if owner is None:
                return {"ok": False, "error": "invalid_auth"}
            user = str(params.get("user") or "")
            is_admin = user == ADMIN and owner.team_id == A.team_id
            return {
                "ok": True,
                "user": {"id": user, "team_id": owner.team_id, "is_admin": is_admin},
            }
        return super()._answer(method, params, token)


def test_two_oauth_installs_keep_counts_admins_and_digests_apart(database_url):
    fake = AdminPerWorkspaceSlack()
    install_a = fake.add_workspace(Installable("code-a", A.team_id, bot_user_id="UBOTA0001"))
    install_b = fake.add_workspace(Installable("code-b", B.team_id, bot_user_id="UBOTB0001"))
    with oauth_app(database_url, fake) as served:
        for workspace in (install_a, install_b):
            assert install(served.url, workspace.code)[0] == 200
        for person in PEOPLE:
            message(served, A, HAPPY, person)
        for person in PEOPLE[:3]:
            message(served, B, SAD, person)
        served.settle()
        reactions = fake.calls("reactions.add")
        assert len(reactions) == 7
        assert sorted(c.token == install_a.token for c in reactions) == [False] * 3 + [True] * 4
        assert today_messages(served.mood, A) == (4, 4)
        assert today_messages(served.mood, B) == (3, 3)

        # ADMIN is an admin in A: the answer cached for A is not reused in B.
        assert "5 people" in command(served, A, "mood min-people 5")["text"]
        fake.clear()
        refused = command(served, B, "mood min-people 5")["text"]
        assert refused.startswith("Only workspace admins"), refused
        (asked,) = fake.calls("users.info")
        assert asked.token == install_b.token
        assert served.mood.min_authors(A) == 5 and served.mood.min_authors(B) == 3

        # Digests: each workspace's post goes out with its own token and its own numbers.
        for workspace in (A, B):
            subscribed = command(served, workspace, "digest weekly", channel="C0DIGEST1")
            assert "subscribed" in subscribed["text"]
        now = _next_weekday(datetime.now(UTC), 0).replace(hour=9, minute=5)
        engine = served.mood.engine
        runner = DigestRunner(served.settings, engine, make_web_client(served.settings), now=now)
        seed(engine, A, runner.last_closed, 30, authors=6, channel="C0DIGEST1")
        seed(engine, B, runner.last_closed, 12, authors=6, channel="C0DIGEST1")
        from bot.install.oauth import Installer

        client = make_web_client(served.settings)
        client.token = None
        runner.client_for = Installer.open(served.settings, engine, client).clients.bound(client)
        fake.clear()
        assert runner.run().digests == 2
        posts = {c.token: c.params["text"] for c in fake.ok_calls("chat.postMessage")}
        assert set(posts) == {install_a.token, install_b.token}
        assert ": 210 messages" in posts[install_a.token]
        assert ": 84 messages" in posts[install_b.token]
