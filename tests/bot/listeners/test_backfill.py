"""The ``/sentiment mood backfill`` listener (bot/listeners/backfill.py) through the real app:
a signed slash command starts the reading (fake Web API with cursors and a 429), the history
lands in the mood record under the live rules, progress is reported, and asking again says
there is nothing left, on SQLite and PostgreSQL.

The history and its check are the backfill tests' own (tests/bot/backfill/test_backfill.py).
"""

from __future__ import annotations

from datetime import timedelta

from bot.backfill import store as backfill_store
from bot.mood.store import channel_days
from tests.bot.backfill.test_backfill import CHANNEL, WS, _assert_backfilled, _history
from tests.helpers.mood_rows import add_days
from tests.helpers.slack_app import served_app, wait_until


def _backfill_metric() -> float:
    from prometheus_client import REGISTRY

    return REGISTRY.get_sample_value("slackbot_backfill_messages_total") or 0.0


def test_backfill_command_counts_history_under_the_live_rules(database_url):
    with served_app(
        database_url=database_url, backfill_requests_per_minute=6000, backfill_page_size=15
    ) as s:
        mood = s.mood
        mood.set_opted_out(WS, "UOPTOUT1", True)
        last = mood.last_closed_day()
        live_first = last - timedelta(days=2)  # live counting has the last 3 closed days
        add_days(
            mood.engine, CHANNEL, [(live_first + timedelta(days=i), 9, 1, 1) for i in range(3)]
        )
        s.fake.add_history(CHANNEL, _history(last))
        s.fake.add_user("UHUMAN001", "human", is_admin=True)  # backfill: workspace admins
        s.fake.fail("conversations.history", status=429, retry_after=1)
        read_before = _backfill_metric()
        status, _ = s.command("mood backfill", channel_id=CHANNEL)
        assert status == 200
        (reply,) = s.fake.wait_for("response_url")
        assert reply.params["text"].startswith("Started")
        assert wait_until(
            lambda: (backfill_store.load_job(mood.engine, WS, CHANNEL) or object()).state == "done",
            timeout=60,
        )
        s.settle()
        job = backfill_store.load_job(mood.engine, WS, CHANNEL)
        first = last - timedelta(days=29)
        _assert_backfilled(mood, first, live_first - timedelta(days=1))
        live = channel_days(mood.engine, WS, CHANNEL, live_first, last)
        assert [r.messages for r in live] == [9, 9, 9]  # live days untouched
        assert job.messages_counted == 5 * 27 and job.hash_key is None
        assert job.messages_read >= 9 * 27  # what the window held (mention-filter aside)
        assert _backfill_metric() - read_before == job.messages_read  # /metrics: progress
        assert wait_until(  # the final update follows the job's "done" by a moment
            lambda: any("Done: read" in c.params["text"] for c in s.fake.calls("chat.update")),
            timeout=30,
        )
        progress = s.fake.calls("chat.update")
        assert any("slow down" in c.params["text"] for c in progress)  # the 429 was reported
        statuses = [c.status for c in s.fake.calls("conversations.history")]
        assert statuses[0] == 429 and statuses.count(429) == 1
        # Asking again: nothing left to read.
        s.fake.clear()
        s.command("mood backfill", channel_id=CHANNEL)
        (again,) = s.fake.wait_for("response_url")
        assert "already" in again.params["text"]
