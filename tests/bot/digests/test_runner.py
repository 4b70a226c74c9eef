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
import time
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


def _run(engine, fake, now=MONDAY_0905, *, clock=None, emit=None, **overrides):
    """One run; by default the real clock is ``now`` too (a cron run on time)."""
    settings = make_settings(fake, **overrides)
    runner = DigestRunner(
        settings,
        engine,
        make_web_client(settings),
        now=now,
        clock=clock or (lambda: now),
        emit=emit or (lambda line: None),
    )
    return runner.run()


def _fields(line: str) -> dict[str, str]:
    """``key=value`` words of an outcome line (the event name under ``event``)."""
    words = line.split()
    out = {"event": next(w for w in words if "=" not in w and w.startswith("digest_"))}
    out.update(w.split("=", 1) for w in words if "=" in w)
    return out


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
    assert again.digests == 0 and again.already_sent == 1 and again.already_claimed == 0
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


def test_one_outcome_line_per_subscription_says_why_and_one_summary(env):
    engine, fake, _ = env
    for channel in ("C0SENT001", "C0GONE001", "C0RETRY01"):
        _calm_then(engine, channel)
    _subscribe(engine, "C0SENT001", "C0GONE001", "C0RETRY01")
    _subscribe(engine, "C0NEW0001", at=MONDAY_0905 - timedelta(minutes=1))  # after 09:00
    fake.fail("chat.postMessage", error="is_archived")  # C0GONE001 (channels run in order)
    fake.fail("chat.postMessage", status=500, times=2)  # C0RETRY01 (the client retries once)
    lines: list[str] = []
    first = _run(engine, fake, emit=lines.append, digest_claim_seconds=30)
    by_channel = {_fields(line).get("channel"): _fields(line) for line in lines[:-1]}
    assert by_channel["C0GONE001"]["digest"] == "failed_permanent"
    assert by_channel["C0GONE001"]["reason"] == "is_archived"
    assert by_channel["C0RETRY01"]["digest"] == "failed_retry"
    assert by_channel["C0RETRY01"]["reason"] == "http_500"
    assert by_channel["C0SENT001"]["digest"] == "sent"
    assert by_channel["C0NEW0001"]["digest"] == "not_due"
    assert by_channel["C0NEW0001"]["next"] == "2026-03-09T09:00:00+00:00"
    summary = _fields(lines[-1])
    assert len(lines) == 5 and summary["event"] == "digest_run"
    assert summary["subscriptions"] == "4" and summary["digests_sent"] == "1"
    assert summary["failed_permanent"] == "1" and summary["failed_retry"] == "1"
    assert summary["status"] == "failed" and first.exit_status == 1
    # Five minutes later (the retry's claim expired): the permanent failure is not "claimed by
    # another runner", the sent one is already sent, the retried one goes out: exit 0.
    lines.clear()
    later = _run(
        engine,
        fake,
        now=MONDAY_0905 + timedelta(minutes=5),
        emit=lines.append,
        digest_claim_seconds=30,
    )
    by_channel = {_fields(line).get("channel"): _fields(line) for line in lines[:-1]}
    assert by_channel["C0GONE001"]["digest"] == "failed_earlier"
    assert by_channel["C0GONE001"]["reason"] == "is_archived"
    assert by_channel["C0SENT001"]["digest"] == "already_sent"
    assert by_channel["C0RETRY01"]["digest"] == "sent"
    assert later.already_claimed == 0 and later.exit_status == 0
    assert _fields(lines[-1])["status"] == "ok"


def test_not_due_and_stale_skipped_are_told_apart(env):
    engine, fake, _ = env
    _calm_then(engine, "C0STALE01")
    _subscribe(engine, "C0STALE01")
    lines: list[str] = []
    # The runner was down on Monday: on Tuesday 10:00 Monday's digest is past the 24 h catch-up.
    report = _run(engine, fake, now=MONDAY_0905 + timedelta(hours=25), emit=lines.append)
    fields = _fields(lines[0])
    assert fields["digest"] == "stale_skipped" and fields["missed"] == "2026-03-02T09:00:00+00:00"
    assert fields["next"] == "2026-03-09T09:00:00+00:00" and report.exit_status == 0
    assert _fields(lines[-1])["stale_skipped"] == "1" and not _posts(fake)
    # Sunday, before this week's send time, after last week's digest went out: not due.
    _run(engine, fake)
    lines.clear()
    _run(engine, fake, now=MONDAY_0905 + timedelta(days=6), emit=lines.append)
    fields = _fields(lines[0])
    assert fields["digest"] == "not_due" and fields["next"] == "2026-03-09T09:00:00+00:00"


def test_now_decides_what_is_due_but_claims_use_the_real_clock(env):
    """A ``--now`` a week ahead must not expire a live claim and post a digest twice."""
    engine, fake, _ = env
    _calm_then(engine, "C0PRIME01")
    _subscribe(engine, "C0PRIME01")
    real = MONDAY_0905
    key = PostKey("digest", WS, "C0PRIME01", "2026-03-09")
    # Another runner, right now, claimed next week's digest (run with --now) and posted it.
    store.claim(engine, key, "other-runner", timedelta(seconds=300), real)
    fake.add_message(
        "C0PRIME01",
        f"{real.timestamp():.6f}",
        "Weekly mood",
        user=fake.bot_user_id,
        bot_id=fake.bot_id,
        metadata={"event_type": "sentiment_bot_post", "event_payload": {"post": key.label}},
    )
    next_monday = MONDAY_0905 + timedelta(days=7)
    lines: list[str] = []
    report = _run(
        engine,
        fake,
        now=next_monday,
        clock=lambda: real + timedelta(minutes=1),
        emit=lines.append,
    )
    assert _fields(lines[0])["digest"] == "already_claimed" and not _posts(fake)
    assert report.exit_status == 0
    # Once the claim really expired, the takeover looks back from the real time and finds it.
    report = _run(engine, fake, now=next_monday, clock=lambda: real + timedelta(minutes=6))
    assert report.recovered == 1 and not _posts(fake)


# -- real processes --------------------------------------------------------------------------


def _runner_env(fake, database_url, **extra):
    return bot_env(
        SLACK_BOT_TOKEN="xoxb-digest",
        SLACK_API_URL=fake.base_url,
        DATABASE_URL=database_url,
        **{"LOG_LEVEL": "WARNING", **extra},
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
    summaries = [
        _fields(line) for out, _ in outputs for line in out.splitlines() if " digest_run " in line
    ]
    assert len(summaries) == 2
    totals = [int(f["digests_sent"]) + int(f["alerts_sent"]) for f in summaries]
    assert sum(totals) == 2 * len(CHANNELS)
    assert all(state == "sent" for *_, state, _attempts in post_states(engine))


def test_a_runner_killed_half_way_is_finished_by_the_next_without_double_posts(many_channels):
    engine, fake, url = many_channels
    env_vars = _runner_env(fake, url, DIGEST_CLAIM_SECONDS="1")
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
    # Cron starts the next run a few minutes later, after the dead claim's lease (real time:
    # ``--now`` only decides what is due).
    time.sleep(1.2)
    survivor = _start(env_vars, MONDAY_0905 + timedelta(minutes=5))
    out, err = survivor.communicate(timeout=120)
    assert survivor.returncode == 0, err
    assert "recovered=1" in out
    per_post = {}
    for post in _posts(fake):
        label = post.params["metadata"]["event_payload"]["post"]
        per_post[label] = per_post.get(label, 0) + 1
    assert len(per_post) == 2 * len(CHANNELS) and set(per_post.values()) == {1}


def _cli(env_vars, now, *extra):
    """``python -m bot digest`` as the documented cron line runs it: ``>> log 2>&1``."""
    return subprocess.run(
        [sys.executable, "-m", "bot", "digest", "--now", now.isoformat(), "--env-file", "", *extra],
        env=env_vars,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=120,
    )


def test_cli_writes_each_outcome_once_with_a_time_and_its_exit_status_says_what_failed(env):
    engine, fake, url = env
    _calm_then(engine, "C0CLI0001")
    _calm_then(engine, "C0CLIGONE")
    _subscribe(engine, "C0CLI0001", "C0CLIGONE")
    fake.fail("chat.postMessage", error="not_in_channel")  # C0CLI0001 comes first
    env_vars = _runner_env(fake, url, LOG_LEVEL="INFO")
    first = _cli(env_vars, MONDAY_0905)
    lines = first.stdout.splitlines()
    runs = [line for line in lines if "digest_run" in line]
    channels = [line for line in lines if "digest_channel" in line]
    assert first.returncode == 1, first.stdout
    assert len(runs) == 1 and len(channels) == 2, first.stdout
    for line in [*runs, *channels]:
        assert datetime.fromisoformat(line.split()[0]).tzinfo is not None, line
    assert "digest=failed_permanent reason=not_in_channel" in channels[0]
    assert "digest=sent" in channels[1]
    # The next run: nothing new failed, so cron hears nothing (exit 0).
    again = _cli(env_vars, MONDAY_0905 + timedelta(minutes=5))
    assert again.returncode == 0, again.stdout
    assert "digest=failed_earlier reason=not_in_channel" in again.stdout
    assert again.stdout.count("digest_run") == 1
    # Nothing due: exit 0; a bad setup: exit 2 and one line.
    assert _cli(env_vars, MONDAY_0905 + timedelta(days=3)).returncode == 0
    broken = _cli({**env_vars, "SLACK_BOT_TOKEN": ""}, MONDAY_0905)
    assert broken.returncode == 2 and broken.stdout.startswith("error: SLACK_BOT_TOKEN")
    assert len(broken.stdout.splitlines()) == 1


def test_cli_writes_its_counts_for_a_textfile_collector(env, tmp_path):
    engine, fake, url = env
    _calm_then(engine, "C0METRIC1")
    _subscribe(engine, "C0METRIC1")
    metrics = tmp_path / "digest.prom"
    done = _cli(_runner_env(fake, url), MONDAY_0905, "--metrics-file", str(metrics))
    assert done.returncode == 0, done.stdout
    text = metrics.read_text()
    assert 'slackbot_digests_total{kind="digest",outcome="sent"} 1.0' in text
    assert 'slackbot_digests_total{kind="alert",outcome=' in text
