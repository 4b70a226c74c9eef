"""The listener pool's batch entry (Socket Mode queues a read's envelopes at once) and its
per-delivery bookkeeping, which must stay right when one delivery has several jobs.

No times asserted: what ran, what was shed and what the pool reports as unfinished.
"""

from __future__ import annotations

import threading

import pytest

from bot.listener_pool import (
    REACTION,
    REPLY,
    ShedError,
    label_delivery,
    label_work,
)
from tests.helpers.pools import blocked_pool


def test_one_dispatch_of_many_deliveries_queues_each_in_its_workspace_and_serves_them_in_turn():
    pool, gate = blocked_pool(workspace_queue=1000, total_queue=5000)
    ran: list[str] = []
    deliveries = [(f"flood{n}", f"EvF{n}", "TFLOOD", REACTION) for n in range(50)]
    deliveries.append(("quiet", "EvQ", "TQUIET", REPLY))
    futures = pool.dispatch(ran.append, deliveries)
    assert len(futures) == 51
    assert pool.queued_for("TFLOOD") == 50 and pool.queued_for("TQUIET") == 1
    assert set(pool.unfinished()) >= {"EvF0", "EvF49", "EvQ"}
    gate.set()
    assert pool.wait_idle(10)
    assert ran.index("quiet") <= 1  # round robin, not behind the 50 queued before it
    assert [name for name in ran if name != "quiet"] == [f"flood{n}" for n in range(50)]
    pool.shutdown()


def test_a_dispatch_past_the_workspace_bound_sheds_by_the_policy():
    """Oldest reaction-only work first, the reply to a person kept, in one batch too."""
    pool, gate = blocked_pool(workspace_queue=3, total_queue=100)
    ran: list[str] = []
    deliveries = [
        ("r0", "Ev0", "TA", REACTION),
        ("mention", "EvM", "TA", REPLY),
        ("r1", "Ev1", "TA", REACTION),
        ("r2", "Ev2", "TA", REACTION),
        ("r3", "Ev3", "TA", REACTION),
    ]
    names = [delivery[0] for delivery in deliveries]
    futures = dict(zip(names, pool.dispatch(ran.append, deliveries), strict=True))
    for shed in ("r0", "r1"):
        with pytest.raises(ShedError):
            futures[shed].result(timeout=1)
    assert "Ev0" not in pool.unfinished() and "Ev1" not in pool.unfinished()
    gate.set()
    assert pool.wait_idle(10)
    assert ran == ["mention", "r2", "r3"]
    pool.shutdown()


def test_a_delivery_with_several_jobs_is_unfinished_until_its_last_job_ends():
    pool, gate = blocked_pool()
    label_work("TA", REACTION)
    label_delivery("EvTWO")
    first, second = pool.submit(lambda: None), pool.submit(lambda: None)
    label_delivery(None)
    assert pool.unfinished().count("EvTWO") == 1
    pool.answered("EvTWO")  # its reaction reached Slack while a job is still queued
    assert "EvTWO" not in pool.unfinished()
    gate.set()
    first.result(timeout=5)
    second.result(timeout=5)
    assert pool.wait_idle(5)
    assert pool.unfinished() == [] and pool.in_flight() == []
    # once done, the label is forgotten: a later job of the same delivery counts afresh
    gate2 = threading.Event()
    label_delivery("EvTWO")
    pool.submit(gate2.wait, 10)
    label_delivery(None)
    assert pool.unfinished() == ["EvTWO"]
    gate2.set()
    assert pool.wait_idle(5)
    pool.shutdown()


def test_shedding_one_of_a_deliverys_jobs_keeps_the_delivery_open_for_the_other():
    pool, gate = blocked_pool(workspace_queue=2, total_queue=100)
    label_work("TA", REACTION)
    label_delivery("EvKEEP")
    shed_first = pool.submit(lambda: None)
    kept = pool.submit(lambda: None)
    label_delivery("EvOTHER")
    pool.submit(lambda: None)  # over the bound of 2: the oldest, EvKEEP's first job, is shed
    label_delivery(None)
    with pytest.raises(ShedError):
        shed_first.result(timeout=1)
    assert {"EvKEEP", "EvOTHER"} <= set(pool.unfinished())
    gate.set()
    kept.result(timeout=5)
    assert pool.wait_idle(5)
    assert pool.unfinished() == []
    pool.shutdown()
