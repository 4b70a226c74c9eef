"""Backfill: history read into the mood record under the live rules (fake Web API with
cursors), resumable without counting anything twice, small days folded into weeks, on SQLite
and PostgreSQL. The ``/sentiment mood backfill`` command itself (signed slash command, 429s,
asking again) is tested in tests/bot/listeners/test_backfill.py, which shares the history here.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.backfill import job as backfill_job
from bot.backfill import store as backfill_store
from bot.backfill.history import RequestPacer, make_history_client
from bot.mood.store import channel_days
from bot.mood.workspace import Workspace
from bot.slack.web_api import make_web_client
from bot.storage.home_schema import backfill_authors, backfill_days
from tests.helpers.slack_app import KeywordPredictor, served_app, wait_until

CHANNEL = "C0BACKF01"
WS = Workspace("T0000FAKE")
BOT = "UBOT0001"
COUNTED_TEXTS = {
    "U1": "great work team today",  # positive, confident
    "U2": "this is awful and broken",  # negative, confident
    "U3": "standup at ten today",  # leaning: counted, no sign
    "U4": "great great news everyone",  # positive
}


def _history(last_closed, days=35):
    """Five counted and five ignored messages on each of ``days`` closed days (UTC noon)."""
    messages = []
    for back in range(days):
        day = last_closed - timedelta(days=back)
        noon = datetime(day.year, day.month, day.day, 12, tzinfo=UTC).timestamp()
        stamp = iter(f"{noon + i:.6f}" for i in range(20))
        for user, text in COUNTED_TEXTS.items():
            messages.append({"ts": next(stamp), "user": user, "text": text})
        messages += [
            {"ts": next(stamp), "user": BOT, "text": "great", "bot_id": "BBOT0001"},
            {"ts": next(stamp), "user": "U5", "text": "great", "subtype": "channel_join"},
            {"ts": next(stamp), "user": "UOPTOUT1", "text": "great work team today"},
            {"ts": next(stamp), "user": "U1", "text": f"<@{BOT}> great work team"},
            # A thread reply (REACT_IN_THREADS is on): counted since v3 judges short all-known
            # texts, so a day counts five messages, three of them confidently positive.
            {"ts": next(stamp), "user": "U2", "text": "great work", "thread_ts": "1.000001"},
        ]
    return messages


def _job(s, workspace, channel, owner, *, pacer=None, should_stop=lambda: False):
    """A backfill of ``channel`` on the served app's database, reading its fake Slack unpaced."""
    return backfill_job.BackfillJob(
        s.settings,
        s.mood.engine,
        make_web_client(s.settings),
        make_history_client("xoxb-test-token", s.fake.base_url, 5),
        KeywordPredictor(),
        workspace=workspace,
        channel_id=channel,
        bot_user_id=BOT,
        opted_out=s.mood.opted_out,
        owner=owner,
        pacer=pacer or RequestPacer(0),
        should_stop=should_stop,
    )


def _assert_backfilled(mood, first, last):
    rows = channel_days(mood.engine, WS, CHANNEL, first - timedelta(days=30), last)
    assert [r.day for r in rows] == [
        first + timedelta(days=i) for i in range((last - first).days + 1)
    ]
    for row in rows:
        assert (row.messages, row.positive, row.negative, row.authors) == (5, 3, 1, 4), row
    with mood.engine.connect() as connection:  # nothing staged, no author hash left
        assert not connection.execute(select(backfill_days)).all()
        assert not connection.execute(select(backfill_authors)).all()


def test_an_interrupted_backfill_resumes_without_counting_twice(database_url):
    with served_app(database_url=database_url) as s:
        mood, settings = s.mood, s.settings
        mood.set_opted_out(WS, "UOPTOUT1", True)
        last = mood.last_closed_day()
        s.fake.add_history(CHANNEL, _history(last))
        now = datetime.now(UTC)
        span = backfill_job.window(settings, mood.engine, WS, CHANNEL, now)

        def make(owner, stop):
            return _job(s, WS, CHANNEL, owner, should_stop=stop)

        state, row = backfill_store.acquire(
            mood.engine,
            WS,
            CHANNEL,
            owner="first",
            oldest_ts=span[0],
            bound_ts=span[1],
            lease=backfill_job.LEASE,
            now=now,
        )
        assert state == "started"
        pages = iter(range(1000))
        first = make("first", lambda: next(pages) >= 4)  # stops after 4 pages of 13
        first.settings = type(settings)(**{**settings.__dict__, "backfill_page_size": 13})
        assert first.run(row) == "stopped"
        halfway = backfill_store.load_job(mood.engine, WS, CHANNEL)
        assert halfway.state == "running" and halfway.messages_read == 4 * 13
        # A second runner cannot take it while the lease holds; after it expires it resumes.
        assert (
            backfill_store.acquire(
                mood.engine,
                WS,
                CHANNEL,
                owner="second",
                oldest_ts=0,
                bound_ts=0,
                lease=backfill_job.LEASE,
                now=now,
            )[0]
            == "running"
        )
        later = now + backfill_job.LEASE + timedelta(seconds=1)
        state, row = backfill_store.acquire(
            mood.engine,
            WS,
            CHANNEL,
            owner="second",
            oldest_ts=0,
            bound_ts=0,
            lease=backfill_job.LEASE,
            now=later,
        )
        assert state == "resumed" and row.done_down_to == halfway.done_down_to
        second = make("second", lambda: False)
        assert second.run(row) == "done"
        # The stalled first runner wakes up: its lease is gone, it cannot count a page.
        with pytest.raises(backfill_store.LeaseLostError):
            backfill_store.commit_page(
                mood.engine,
                row,
                owner="first",
                tallies={},
                read=1,
                new_mark=0.0,
                complete_before=None,
                lease=backfill_job.LEASE,
            )
        _assert_backfilled(mood, last - timedelta(days=29), last)
        done = backfill_store.load_job(mood.engine, WS, CHANNEL)
        assert done.messages_counted == 5 * 30
        assert (
            done.messages_read == 10 * 30 - 30
        )  # thread replies: conversations.history has them here


def _small_history(last_closed, days: int) -> list[dict]:
    """Each day two people (U1, U2); on Wednesdays U3 instead of U2: a week has three people
    only when it holds a Wednesday and another day."""
    messages = []
    for back in range(days):
        day = last_closed - timedelta(days=back)
        noon = datetime(day.year, day.month, day.day, 12, tzinfo=UTC).timestamp()
        second = "U3" if day.weekday() == 2 else "U2"
        for i, user in enumerate(("U1", second)):
            messages.append({"ts": f"{noon + i:.6f}", "user": user, "text": COUNTED_TEXTS["U1"]})
    return messages


def test_backfill_folds_small_days_into_weeks_or_drops_them(database_url):
    """Backfill publishes through the same at-rest rule: no day row of fewer than 3 people; a
    week of small days is kept only when its distinct people reach 3, and nothing is staged."""
    from bot.mood.days import week_of
    from bot.mood.store import channel_weeks
    from tests.helpers.mood_rows import all_rows, assert_no_small_group_at_rest

    with served_app(
        database_url=database_url, backfill_requests_per_minute=6000, backfill_page_size=7
    ) as s:
        s.fake.add_user("UHUMAN001", "human", is_admin=True)  # backfill: workspace admins
        mood = s.mood
        last = mood.last_closed_day()
        s.fake.add_history(CHANNEL, _small_history(last, 30))
        assert s.command("mood backfill", channel_id=CHANNEL)[0] == 200
        s.fake.wait_for("response_url")
        assert wait_until(
            lambda: (backfill_store.load_job(mood.engine, WS, CHANNEL) or object()).state == "done",
            timeout=60,
        )
        s.settle()
        first = last - timedelta(days=29)
        assert channel_days(mood.engine, WS, CHANNEL, first, last) == []
        weeks = channel_weeks(mood.engine, WS, CHANNEL, first, last)
        expected = set()
        for monday in {week_of(first + timedelta(days=i)) for i in range(30)}:
            folded = [monday + timedelta(days=d) for d in range(7)]
            folded = [d for d in folded if first <= d <= last]
            if any(d.weekday() == 2 for d in folded) and len(folded) > 1:
                expected.add((monday, 3, 2 * len(folded)))
        assert {(w.week, w.people, w.messages) for w in weeks} == expected
        rows = all_rows(mood.engine)
        assert rows["backfill_days"] == [] and rows["backfill_authors"] == []
        assert_no_small_group_at_rest(mood.engine, 3, last + timedelta(days=1))


class _GatedPacer(RequestPacer):
    """No pacing, but the first request waits until ``gate`` opens: a slow workspace."""

    def __init__(self, gate) -> None:
        super().__init__(0)
        self.gate = gate
        self.started = threading.Event()

    def wait(self) -> float:
        self.started.set()
        self.gate.wait(30)
        return 0.0


def test_one_workspaces_backfill_never_waits_for_anothers_but_its_own_queue(database_url):
    with served_app(database_url=database_url) as s:
        mood, settings = s.mood, s.settings
        last = mood.last_closed_day()
        other = Workspace("T0000OTHR")
        s.fake.add_history(CHANNEL, _history(last, days=3))
        now = datetime.now(UTC)
        gate = threading.Event()

        def start(workspace, channel, pacer):
            span = backfill_job.window(settings, mood.engine, workspace, channel, now)
            state, row = backfill_store.acquire(
                mood.engine,
                workspace,
                channel,
                owner=f"{workspace.team_id}-{channel}",
                oldest_ts=span[0],
                bound_ts=span[1],
                lease=backfill_job.LEASE,
                now=now,
            )
            assert state == "started"
            job = _job(s, workspace, channel, f"{workspace.team_id}-{channel}", pacer=pacer)
            return backfill_job.run_in_background(job, row)

        slow_pacer = _GatedPacer(gate)
        slow = start(WS, CHANNEL, slow_pacer)  # workspace WS, held at its first page
        assert slow_pacer.started.wait(10)
        queued_pacer = _GatedPacer(threading.Event())
        queued_pacer.gate.set()
        queued = start(WS, "C0BACKF02", queued_pacer)  # the same workspace: waits its turn
        beside = start(other, CHANNEL, RequestPacer(0))  # another workspace: runs now
        beside.join(20)
        assert not beside.is_alive(), "another workspace's backfill waited for this one's"
        assert backfill_store.load_job(mood.engine, other, CHANNEL).state == "done"
        assert not queued_pacer.started.is_set() and queued.is_alive()
        gate.set()
        slow.join(20)
        queued.join(20)
        assert not slow.is_alive() and not queued.is_alive()
        assert queued_pacer.started.is_set()
        assert backfill_store.load_job(mood.engine, WS, CHANNEL).state == "done"
        assert wait_until(lambda: not backfill_job._lanes._lanes, timeout=5)
