"""``python -m bot digest``: due digests and alerts, each posted exactly once.

Against the fake Web API and a real database (SQLite and PostgreSQL): in process for the
rules, and as real processes for the races (two runners started together, a runner killed
half-way through).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.digests import store
from bot.digests.runner import DigestRunner
from bot.digests.store import PostKey
from bot.mood.workspace import Workspace
from bot.schedule_time import SendAt
from bot.slack.web_api import make_web_client
from bot.storage.engine import make_engine
from bot.storage.migrate import migrate
from tests.helpers.fake_slack import FakeSlack
from tests.helpers.mood_rows import add_days, post_states
from tests.helpers.slack_app import REPO, bot_env, make_settings

WS = Workspace("T0000FAKE")
MONDAY_0905 = datetime(2026, 3, 2, 9, 5, tzinfo=UTC)  # DIGEST_SEND_AT default: mon 09:00 UTC
LAST_CLOSED = date(2026, 3, 1)


def _calm_then(engine, channel, *, negative_last_week: int = 5, messages: int = 50) -> None:
    """35 closed days: 10% negative, then the last 7 days with ``negative_last_week`` of 50."""
    rows = []
    for offset in range(35):
        day = LAST_CLOSED - timedelta(days=34 - offset)
        negative = negative_last_week if offset >= 28 else 5
        rows.append((day, messages, 20, negative))
    add_days(engine, channel, rows)


@pytest.fixture
def env(database_url):
    engine = make_engine(database_url)
    migrate(engine)
    with FakeSlack() as fake:
        fake.add_message("C0PRIME01", "1.000001", "old", user="U1")  # a channel with history
        yield engine, fake, database_url
    engine.dispose()


def _subscribe(engine, *channels, at=MONDAY_0905 - timedelta(days=30)):
    for channel in channels:
        store.subscribe(engine, WS, channel, at)


def _run(engine, fake, now=MONDAY_0905, **overrides):
    settings = make_settings(fake, **overrides)
    runner = DigestRunner(settings, engine, make_web_client(settings), now=now)
    return runner.run()


def _posts(fake, channel=None):
    return [
        c
        for c in fake.ok_calls("chat.postMessage")
        if channel is None or c.params["channel"] == channel
    ]


def test_due_digest_is_posted_once_with_the_weeks_numbers(env):
    engine, fake, _ = env
    _calm_then(engine, "C0DIGEST1")
    _subscribe(engine, "C0DIGEST1")
    report = _run(engine, fake)
    assert report.digests == 1 and report.alerts == 0
    (post,) = _posts(fake)
    assert post.params["channel"] == "C0DIGEST1"
    assert "Weekly mood, Feb 23 \u2013 Mar 1: 350 messages" in post.params["text"]
    assert "% positive (" in post.params["text"]  # the estimate with its interval
    assert "negative no clear change (" in post.params["text"]
    blocks = post.params["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    charts = [b for b in blocks if b["type"] == "data_visualization"]
    assert len(charts) == 2 and not fake.files  # Slack draws the week: nothing uploaded
    label = post.params["metadata"]["event_payload"]["post"]
    assert label == "digest:T0000FAKE:C0DIGEST1:2026-03-02"
    # The same run again (cron every 5 minutes): nothing new.
    again = _run(engine, fake, now=MONDAY_0905 + timedelta(minutes=5))
    assert again.digests == 0 and again.already_claimed == 1
    assert len(_posts(fake)) == 1
    assert post_states(engine) == [("digest", "C0DIGEST1", "2026-03-02", "sent", 1)]


def test_no_digest_outside_the_catch_up_window_or_before_subscribing(env):
    engine, fake, _ = env
    _calm_then(engine, "C0LATE001")
    _subscribe(engine, "C0LATE001")
    _subscribe(engine, "C0NEW0001", at=MONDAY_0905 - timedelta(minutes=1))
    assert _run(engine, fake, now=MONDAY_0905 + timedelta(hours=25)).digests == 0
    assert _run(engine, fake, now=MONDAY_0905 - timedelta(minutes=10)).digests == 0
    assert _run(engine, fake).digests == 1  # only C0LATE001: C0NEW0001 subscribed after 09:00
    assert [p.params["channel"] for p in _posts(fake)] == ["C0LATE001"]


def test_per_workspace_send_time(env):
    engine, fake, _ = env
    _calm_then(engine, "C0FRIDAY1")
    _subscribe(engine, "C0FRIDAY1")
    store.set_send_at(engine, WS, SendAt(weekday=4, minute_of_day=16 * 60 + 30))
    assert _run(engine, fake).digests == 0
    friday = datetime(2026, 3, 6, 16, 31, tzinfo=UTC)
    assert _run(engine, fake, now=friday).digests == 1


def test_a_mood_drop_is_alerted_once_per_episode(env):
    engine, fake, _ = env
    _calm_then(engine, "C0ALERT01", negative_last_week=25)  # 10% -> 50% negative
    _subscribe(engine, "C0ALERT01")
    tuesday = MONDAY_0905 + timedelta(days=1, hours=2)  # no digest due; alerts are daily
    first = _run(engine, fake, now=tuesday)
    assert first.alerts == 1
    (alert,) = _posts(fake)
    assert "has dropped" in alert.params["text"] and "50%" in alert.params["text"]
    add_days(engine, "C0ALERT01", [(LAST_CLOSED + timedelta(days=1), 50, 10, 25)])
    second = _run(engine, fake, now=tuesday + timedelta(days=1))
    assert second.alerts == 0 and len(_posts(fake)) == 1


def test_a_stable_channel_gets_no_alert(env):
    engine, fake, _ = env
    _calm_then(engine, "C0CALM001", negative_last_week=6)
    _subscribe(engine, "C0CALM001")
    assert _run(engine, fake, now=MONDAY_0905 + timedelta(days=1)).alerts == 0


def test_takeover_of_a_dead_runners_claim_finds_its_post_and_posts_nothing(env):
    engine, fake, _ = env
    _calm_then(engine, "C0PRIME01")
    _subscribe(engine, "C0PRIME01")
    key = PostKey("digest", WS, "C0PRIME01", "2026-03-02")
    lease = timedelta(seconds=60)
    assert store.claim(engine, key, "dead-runner", lease, MONDAY_0905 - timedelta(minutes=2))
    fake.add_message(  # what the dead runner posted before it could record it
        "C0PRIME01",
        f"{MONDAY_0905.timestamp() - 100:.6f}",
        "Weekly mood",
        user=fake.bot_user_id,
        bot_id=fake.bot_id,
        metadata={"event_type": "sentiment_bot_post", "event_payload": {"post": key.label}},
    )
    report = _run(engine, fake)
    assert report.recovered == 1 and report.digests == 0 and not _posts(fake)
    assert post_states(engine) == [("digest", "C0PRIME01", "2026-03-02", "sent", 2)]


def test_takeover_of_a_claim_that_never_posted_posts(env):
    engine, fake, _ = env
    _calm_then(engine, "C0PRIME01")
    _subscribe(engine, "C0PRIME01")
    key = PostKey("digest", WS, "C0PRIME01", "2026-03-02")
    store.claim(engine, key, "dead", timedelta(seconds=60), MONDAY_0905 - timedelta(minutes=2))
    live = store.claim(engine, key, "alive", timedelta(seconds=60), MONDAY_0905)
    assert live is not None and live.takeover
    assert store.claim(engine, key, "third", timedelta(seconds=60), MONDAY_0905) is None
    report = _run(engine, fake, now=MONDAY_0905 + timedelta(minutes=2))
    assert report.digests == 1 and len(_posts(fake)) == 1


def test_slack_failure_is_retried_by_the_next_run_and_permanent_errors_are_not(env):
    engine, fake, _ = env
    _calm_then(engine, "C0RETRY01")
    _calm_then(engine, "C0GONE001")
    _subscribe(engine, "C0RETRY01", "C0GONE001")
    fake.fail("chat.postMessage", error="is_archived")
    fake.fail("chat.postMessage", status=500, times=2)
    first = _run(engine, fake, digest_claim_seconds=30)
    assert first.digests == 0 and first.failed == 2
    later = _run(engine, fake, now=MONDAY_0905 + timedelta(minutes=5), digest_claim_seconds=30)
    assert later.digests == 1
    assert [p.params["channel"] for p in _posts(fake)] == ["C0RETRY01"]
    states = {row[1]: row[3] for row in post_states(engine)}
    assert states == {"C0GONE001": "failed", "C0RETRY01": "sent"}


# -- real processes --------------------------------------------------------------------------


def _runner_env(fake, database_url, **extra):
    return bot_env(
        SLACK_BOT_TOKEN="xoxb-digest",
        SLACK_API_URL=fake.base_url,
        DATABASE_URL=database_url,
        LOG_LEVEL="WARNING",
        **extra,
    )


def _start(env_vars, now):
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "digest", "--now", now.isoformat(), "--env-file", ""],
        env=env_vars,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


CHANNELS = [f"C0RACE{i:03d}" for i in range(24)]


@pytest.fixture
def many_channels(env):
    engine, fake, url = env
    for channel in CHANNELS:
        _calm_then(engine, channel, negative_last_week=25)  # a digest and an alert each
    _subscribe(engine, *CHANNELS)
    return engine, fake, url


def test_two_runners_started_together_post_each_digest_and_alert_once(many_channels):
    engine, fake, url = many_channels
    env_vars = _runner_env(fake, url)
    runners = [_start(env_vars, MONDAY_0905) for _ in range(2)]
    outputs = [r.communicate(timeout=120) for r in runners]
    assert all(r.returncode == 0 for r in runners), outputs
    posts = _posts(fake)
    kinds = sorted(
        (p.params["channel"], p.params["metadata"]["event_payload"]["post"].split(":")[0])
        for p in posts
    )
    assert kinds == sorted((c, k) for c in CHANNELS for k in ("alert", "digest"))
    sent = [line for out, _ in outputs for line in out.splitlines()]
    totals = [int(part.split("=")[1]) for line in sent for part in line.split()[1:3]]
    assert sum(totals) == 2 * len(CHANNELS)
    assert all(state == "sent" for *_, state, _attempts in post_states(engine))


def test_a_runner_killed_half_way_is_finished_by_the_next_without_double_posts(many_channels):
    engine, fake, url = many_channels
    env_vars = _runner_env(fake, url, DIGEST_CLAIM_SECONDS="60")
    victim = _start(env_vars, MONDAY_0905)
    killed = []

    def kill_on_third_post(call):
        if call.method == "chat.postMessage" and len(fake.calls("chat.postMessage")) == 3:
            os.kill(victim.pid, signal.SIGKILL)  # before it gets Slack's answer
            killed.append(call)

    fake.on_call = kill_on_third_post
    victim.communicate(timeout=120)
    fake.on_call = None
    assert victim.returncode == -signal.SIGKILL and killed
    assert len(_posts(fake)) == 3
    # Cron starts the next run a few minutes later, after the dead claim's lease.
    survivor = _start(env_vars, MONDAY_0905 + timedelta(minutes=5))
    out, err = survivor.communicate(timeout=120)
    assert survivor.returncode == 0, err
    assert "recovered=1" in out
    per_post = {}
    for post in _posts(fake):
        label = post.params["metadata"]["event_payload"]["post"]
        per_post[label] = per_post.get(label, 0) + 1
    assert len(per_post) == 2 * len(CHANNELS) and set(per_post.values()) == {1}
