"""The feedback counts on SQLite and PostgreSQL: additive, per workspace, exact under threads."""

from __future__ import annotations

import threading

import pytest

from bot.feedback import store
from bot.feedback.buttons import Rating
from bot.mood.workspace import Workspace
from bot.storage.engine import make_engine
from bot.storage.migrate import migrate

A = Workspace("T0000AAAA")
A_GRID = Workspace("T0000AAAA", "E0000GRID")
B = Workspace("T0000BBBB")


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    migrate(engine)
    yield engine
    engine.dispose()


def test_counts_add_up_by_verdict_and_bucket(engine):
    for rating in [
        Rating("positive", 90, True),
        Rating("positive", 90, True),
        Rating("positive", 90, False),
        Rating("negative", 60, False),
        Rating("neutral", 40, True),
    ]:
        store.record(engine, A, rating)
    assert store.counts(engine, A) == [
        store.BucketCount("negative", 60, 0, 1),
        store.BucketCount("neutral", 40, 1, 0),
        store.BucketCount("positive", 90, 2, 1),
    ]
    totals = store.totals(engine, A)
    assert (totals.rated, totals.agreed) == (5, 3)
    assert totals.mean_stated == pytest.approx((3 * 0.95 + 0.65 + 0.45) / 5)


def test_workspaces_never_mix(engine):
    store.record(engine, A, Rating("positive", 80, True))
    store.record(engine, A_GRID, Rating("positive", 80, False))
    store.record(engine, B, Rating("negative", 50, True))
    assert store.counts(engine, A) == [store.BucketCount("positive", 80, 1, 0)]
    assert store.counts(engine, A_GRID) == [store.BucketCount("positive", 80, 0, 1)]
    assert store.counts(engine, B) == [store.BucketCount("negative", 50, 1, 0)]
    assert store.totals(engine, Workspace("T0000NONE")).rated == 0


def test_concurrent_presses_lose_no_count(engine):
    def press(agreed: bool) -> None:
        for _ in range(20):
            store.record(engine, A, Rating("positive", 70, agreed))

    threads = [threading.Thread(target=press, args=(i % 2 == 0,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert store.counts(engine, A) == [store.BucketCount("positive", 70, 60, 60)]
