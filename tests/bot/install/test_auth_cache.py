"""The authorization cache (``AUTH_CACHE_SECONDS``, ``AUTH_CACHE_SIZE``) through the real app:
signed events, installs over the routes, the fake Slack counting ``auth.test`` per token.

What it promises: Slack's ``auth.test`` once per token, not per event; an uninstall, a
revocation or a reinstall in this process takes effect at the next event; another process's
uninstall within ``AUTH_CACHE_SECONDS``, and what a late event counted meanwhile is deleted by
the uninstall's second sweep; at most ``AUTH_CACHE_SIZE`` workspaces kept.
"""

from __future__ import annotations

import time

import pytest

from bot.console import slack_requests as payloads
from bot.install.auth_cache import AuthorizationCache
from bot.storage.engine import make_engine
from tests.bot.install.helpers import oauth_app, rows_of
from tests.bot.install.oauth_slack import OAuthSlack, Workspace, install, wait
from tests.helpers.logs import debug_log_stream

HAPPY = "great love excellent wonderful news"


def _message(served, team_id: str) -> int:
    body = payloads.event_callback(payloads.message_event(HAPPY), team_id=team_id)
    return served.post(payloads.json_body(body), "application/json")[0]


def _event(served, team_id: str, event: dict) -> int:
    body = payloads.event_callback(event, team_id=team_id)
    return served.post(payloads.json_body(body), "application/json")[0]


def _auth_tests(fake: OAuthSlack, token: str) -> int:
    return sum(1 for call in fake.calls("auth.test") if call.token == token)


def _reactions(fake: OAuthSlack, token: str) -> int:
    return sum(1 for call in fake.calls("reactions.add") if call.token == token and call.ok)


def _react(served, fake: OAuthSlack, team_id: str, token: str) -> bool:
    """Send one message; whether it got a reaction made with ``token``."""
    before = _reactions(fake, token)
    assert _message(served, team_id) == 200
    served.settle()
    return wait(lambda: _reactions(fake, token) > before, timeout=2)


def _two(fake: OAuthSlack) -> tuple[Workspace, Workspace]:
    a = fake.add_workspace(Workspace("code-a", "TAAAA0001", bot_user_id="UBOTA0001"))
    b = fake.add_workspace(Workspace("code-b", "TBBBB0001", bot_user_id="UBOTB0001"))
    return a, b


@pytest.mark.parametrize("auth_test_delay", [0.0, 0.5], ids=["prompt", "slow"])
def test_auth_test_is_called_once_per_token_not_per_event(tmp_path, auth_test_delay):
    """slow: events are acked before their dispatch, and one workspace's dispatches run side by
    side on the listener threads, so with Slack slow to answer auth.test a burst reaches the
    empty cache together. One lookup asks Slack; the others wait for its answer."""
    fake = OAuthSlack()
    a, _ = _two(fake)
    with oauth_app(f"sqlite:///{tmp_path / 'bot.sqlite3'}", fake, auth_cache_seconds=60) as served:
        assert install(served.url, a.code)[0] == 200
        before = _auth_tests(fake, a.token)  # the install itself asks once
        fake.auth_test_delay = auth_test_delay
        for _ in range(5):
            assert _message(served, a.team_id) == 200
        fake.wait_for("reactions.add", 5, timeout=10)
        served.settle()
        assert _reactions(fake, a.token) == 5
        assert _auth_tests(fake, a.token) == before + 1


def test_with_the_cache_off_every_event_reads_and_asks_slack(tmp_path):
    fake = OAuthSlack()
    a, _ = _two(fake)
    with oauth_app(f"sqlite:///{tmp_path / 'bot.sqlite3'}", fake, auth_cache_seconds=0) as served:
        assert install(served.url, a.code)[0] == 200
        before = _auth_tests(fake, a.token)
        for _ in range(3):
            assert _message(served, a.team_id) == 200
        fake.wait_for("reactions.add", 3, timeout=10)
        assert _auth_tests(fake, a.token) == before + 3


@pytest.mark.parametrize("how", ["app_uninstalled", "tokens_revoked"])
def test_an_uninstall_in_this_process_takes_effect_at_the_next_event(tmp_path, how):
    database_url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    fake = OAuthSlack()
    a, b = _two(fake)
    with debug_log_stream() as logs, oauth_app(database_url, fake, auth_cache_seconds=60) as served:
        for workspace in (a, b):
            assert install(served.url, workspace.code)[0] == 200
            assert _react(served, fake, workspace.team_id, workspace.token)  # now cached
        engine = make_engine(database_url)
        flush = served.settings.mood_flush_seconds
        time.sleep(flush + 0.3)  # those counts written: nothing of a's left in memory
        event = {"type": how}
        if how == "tokens_revoked":
            event["tokens"] = {"bot": [a.bot_user_id]}
        assert _event(served, a.team_id, event) == 200
        assert wait(lambda: not any(rows_of(engine, a.team_id).values()), timeout=10)

        calls = len(fake.calls())
        assert not _react(served, fake, a.team_id, a.token)  # 60 s cache, yet not used
        assert [c for c in fake.calls()[calls:] if c.token == a.token] == []
        assert "no_installation team=TAAAA0001" in logs.getvalue()
        time.sleep(flush + 0.3)
        assert not any(rows_of(engine, a.team_id).values())  # nothing counted again
        assert _react(served, fake, b.team_id, b.token)  # the other workspace is untouched
        engine.dispose()


def test_a_reinstall_in_this_process_is_used_at_the_next_event(tmp_path):
    fake = OAuthSlack()
    a, _ = _two(fake)
    with oauth_app(f"sqlite:///{tmp_path / 'bot.sqlite3'}", fake, auth_cache_seconds=60) as served:
        assert install(served.url, a.code)[0] == 200
        old = a.token
        assert _react(served, fake, a.team_id, old)
        assert install(served.url, a.code)[0] == 200  # a new token, saved by this process
        assert a.token != old
        assert _react(served, fake, a.team_id, a.token)
        assert _reactions(fake, old) == 1


def test_another_process_uninstall_is_seen_within_the_ttl_and_late_counts_are_swept(tmp_path):
    """Two app processes on one database (two gunicorn workers): one handles the uninstall, the
    other has the workspace cached. Within AUTH_CACHE_SECONDS the other may still answer it
    (the documented bound), after that it does not; what a late event counted there is never
    written (its flush finds no installation), and nothing of it is left after the uninstall's
    second sweep (which waits AUTH_CACHE_SECONDS too)."""
    database_url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    ttl = 10.0  # an entry is fresh for 5-10 s (a random half to all of it)
    fake = OAuthSlack()
    a, _ = _two(fake)
    other_slack = OAuthSlack()
    other_slack.workspaces = fake.workspaces  # the same Slack, as the other worker sees it
    with (
        debug_log_stream() as logs,
        oauth_app(database_url, fake, auth_cache_seconds=ttl) as first,
        oauth_app(database_url, other_slack, auth_cache_seconds=ttl) as other,
    ):
        assert install(first.url, a.code)[0] == 200
        cached_at = time.monotonic()
        assert _react(other, other_slack, a.team_id, a.token)  # cached in the other process
        flush = first.settings.mood_flush_seconds
        time.sleep(flush + 0.3)  # its count written: nothing of a's left in memory
        engine = make_engine(database_url)
        assert _event(first, a.team_id, {"type": "app_uninstalled"}) == 200
        assert wait(lambda: not any(rows_of(engine, a.team_id).values()), timeout=5)
        deleted_at = time.monotonic()
        late_at = cached_at + ttl / 2 - 0.4  # surely still fresh
        assert deleted_at + flush + 1.0 < late_at, "too slow to test the window"

        # Late in the window, after the sweep used to come (flush + 1 s): the old entry still
        # answers and counts the message for a; its flush leaves the count out.
        time.sleep(max(0.0, late_at - time.monotonic()))
        assert _react(other, other_slack, a.team_id, a.token)
        assert time.monotonic() < cached_at + ttl / 2, "too slow to test the window"
        assert wait(lambda: "reason=not_installed" in logs.getvalue(), timeout=flush + 1)
        assert not any(rows_of(engine, a.team_id).values())
        time.sleep(max(0.0, cached_at + ttl + 0.1 - time.monotonic()))
        calls = len(other_slack.calls())
        assert not _react(other, other_slack, a.team_id, a.token)  # past the TTL: read again
        assert [c for c in other_slack.calls()[calls:] if c.token == a.token] == []
        assert "no_installation team=TAAAA0001" in logs.getvalue()

        sweep = deleted_at + flush + ttl + 1.0  # the uninstall's second sweep
        time.sleep(max(0.0, sweep + 0.5 - time.monotonic()))
        assert not any(rows_of(engine, a.team_id).values())  # the late counts are gone
        engine.dispose()


def test_at_most_auth_cache_size_workspaces_are_kept(tmp_path):
    fake = OAuthSlack()
    spaces = [
        fake.add_workspace(Workspace(f"code-{n}", f"T{n}0001", bot_user_id=f"UBOT{n}0001"))
        for n in ("AAAA", "BBBB", "CCCC")
    ]
    database_url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    with oauth_app(database_url, fake, auth_cache_seconds=60, auth_cache_size=2) as served:
        for workspace in spaces:
            assert install(served.url, workspace.code)[0] == 200
        asked = {w.team_id: _auth_tests(fake, w.token) for w in spaces}
        a, b, c = spaces
        for workspace in (a, b, c):  # three workspaces through a cache of two: a goes
            assert _react(served, fake, workspace.team_id, workspace.token)
        assert _react(served, fake, a.team_id, a.token)  # a again: asked again; b goes
        assert _react(served, fake, c.team_id, c.token)  # c was kept
        after = {w.team_id: _auth_tests(fake, w.token) - asked[w.team_id] for w in spaces}
        assert after == {a.team_id: 2, b.team_id: 1, c.team_id: 1}


def test_a_lookup_under_way_during_a_change_keeps_nothing():
    """A lookup that read the database before an uninstall committed must not put the old
    token back after the uninstall dropped it (the store's change moves the generation)."""
    from slack_bolt.authorization.authorize_result import AuthorizeResult

    now = [0.0]
    cache = AuthorizationCache(5.0, 10, clock=lambda: now[0])
    key = ("", "TAAAA0001", False)
    old = AuthorizeResult(enterprise_id=None, team_id="TAAAA0001", bot_token="xoxb-old")
    generation = cache.generation()  # the lookup begins...
    cache.forget(None, "TAAAA0001")  # ...the uninstall commits and tells the cache...
    cache.keep(key, old, generation)  # ...the lookup ends with what it read before
    assert cache.get(key) == (None, False)
    cache.keep(key, old, cache.generation())
    assert cache.get(key) == (old, True)
    now[0] = 2.4
    assert cache.get(key) == (old, True)  # fresh for at least half the TTL...
    now[0] = 5.0
    assert cache.get(key) == (old, False)  # ...and never past it: to be checked again


def test_counts_held_in_memory_at_an_uninstall_are_never_written(tmp_path):
    """The first sweep drops what this process still holds for the workspace before it
    deletes the rows: a flush afterwards writes the other workspace's counts only."""
    database_url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    fake = OAuthSlack()
    a, b = _two(fake)
    with oauth_app(database_url, fake, auth_cache_seconds=60, mood_flush_seconds=300) as served:
        for workspace in (a, b):
            assert install(served.url, workspace.code)[0] == 200
            assert _react(served, fake, workspace.team_id, workspace.token)  # counted, held
        engine = make_engine(database_url)
        assert served.mood.recorder.pending == 2  # nothing flushed yet (300 s)
        assert _event(served, a.team_id, {"type": "app_uninstalled"}) == 200
        assert wait(lambda: served.mood.recorder.pending == 1, timeout=10)
        assert served.mood.recorder.flush()
        assert rows_of(engine, a.team_id)["mood_days"] == 0
        assert rows_of(engine, b.team_id)["mood_days"] == 1
        engine.dispose()
