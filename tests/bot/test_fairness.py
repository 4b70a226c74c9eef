"""Fair and safe under load (issue 17): per-workspace queues, the shed policy, the reaction budget.

Nothing here asserts a time: fairness is checked by the order work runs in and by what is queued
where, shedding by which jobs were dropped, the budget with a fake clock.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future

import pytest

from bot import metrics
from bot.console import slack_requests as payloads
from bot.listener_pool import REACTION, REPLY, ListenerPool, ShedError, label_work
from bot.slack.ratelimit import ReactionBudget
from tests.helpers.pools import blocked_pool
from tests.helpers.slack_app import served_app

BOT = "UBOT0001"


def _submit(pool: ListenerPool, team: str, kind: str, ran: list[str], name: str) -> Future:
    label_work(team, kind)
    return pool.submit(ran.append, name)


def test_a_flooding_workspace_does_not_delay_another_workspaces_work():
    pool, gate = blocked_pool(workspace_queue=1000, total_queue=5000)
    ran: list[str] = []
    for n in range(200):
        _submit(pool, "TFLOOD", REACTION, ran, f"flood{n}")
    _submit(pool, "TQUIET", REPLY, ran, "quiet")
    assert pool.queued_for("TFLOOD") == 200 and pool.queued_for("TQUIET") == 1
    gate.set()
    assert pool.wait_idle(10)
    # Round robin: the quiet workspace's job runs after at most one of the flood's, not 200.
    assert ran.index("quiet") <= 1
    assert [name for name in ran if name != "quiet"] == [f"flood{n}" for n in range(200)]
    pool.shutdown()


def test_a_full_workspace_queue_sheds_its_oldest_reaction_first_and_keeps_replies():
    pool, gate = blocked_pool(workspace_queue=4, total_queue=100)
    ran: list[str] = []
    before = metrics.WORK_SHED.labels(kind=REACTION)._value.get()
    reply_before = metrics.WORK_SHED.labels(kind=REPLY)._value.get()
    futures = {
        "r1": _submit(pool, "TA", REACTION, ran, "r1"),
        "p1": _submit(pool, "TA", REPLY, ran, "p1"),
        "r2": _submit(pool, "TA", REACTION, ran, "r2"),
        "p2": _submit(pool, "TA", REPLY, ran, "p2"),
        "r3": _submit(pool, "TA", REACTION, ran, "r3"),  # 5th: r1 goes
        "r4": _submit(pool, "TA", REACTION, ran, "r4"),  # 6th: r2 goes
        "p3": _submit(pool, "TA", REPLY, ran, "p3"),  # 7th: r3 goes
    }
    assert pool.queued_for("TA") == 4  # bounded: never more than the cap waits
    for name in ("r1", "r2", "r3"):
        with pytest.raises(ShedError):
            futures[name].result(timeout=1)
    gate.set()
    assert pool.wait_idle(10)
    assert ran == ["p1", "p2", "p3", "r4"]  # and replies go first within a workspace
    assert metrics.WORK_SHED.labels(kind=REACTION)._value.get() - before == 3
    assert metrics.WORK_SHED.labels(kind=REPLY)._value.get() == reply_before
    pool.shutdown()


def test_a_queue_of_replies_only_sheds_its_oldest_reply():
    pool, gate = blocked_pool(workspace_queue=2, total_queue=100)
    ran: list[str] = []
    first = _submit(pool, "TA", REPLY, ran, "p1")
    _submit(pool, "TA", REPLY, ran, "p2")
    _submit(pool, "TA", REPLY, ran, "p3")
    with pytest.raises(ShedError):
        first.result(timeout=1)
    gate.set()
    assert pool.wait_idle(10)
    assert ran == ["p2", "p3"]
    pool.shutdown()


def test_at_the_total_bound_the_longest_queue_sheds_never_a_quiet_workspace():
    pool, gate = blocked_pool(workspace_queue=5, total_queue=6)
    ran: list[str] = []
    flood = [_submit(pool, "TFLOOD", REACTION, ran, f"f{n}") for n in range(5)]
    _submit(pool, "TB", REACTION, ran, "b1")  # total 6: at the bound
    _submit(pool, "TC", REPLY, ran, "c1")  # total 7: the flood's oldest goes, not b1 or c1
    with pytest.raises(ShedError):
        flood[0].result(timeout=1)
    assert pool.queued() == 6
    gate.set()
    assert pool.wait_idle(10)
    assert "b1" in ran and "c1" in ran and "f0" not in ran
    pool.shutdown()


def test_shed_work_is_logged_once_per_workspace_per_interval(caplog):
    pool, gate = blocked_pool(workspace_queue=1, total_queue=100)
    ran: list[str] = []
    with caplog.at_level(logging.WARNING, logger="bot.overload"):
        for n in range(30):
            _submit(pool, "TA", REACTION, ran, f"a{n}")
        for n in range(3):
            _submit(pool, "TB", REACTION, ran, f"b{n}")
        pool.log_shed(force=True)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("work_shed")]
    # One summary line per workspace, not one per event (the first shed may log at once).
    total = {"TA": 0, "TB": 0}
    for line in lines:
        team = line.split("team=")[1].split()[0]
        total[team] += int(line.split("reactions=")[1].split()[0])
    assert total == {"TA": 29, "TB": 2}
    assert len(lines) <= 4
    gate.set()
    assert pool.wait_idle(10)
    pool.shutdown()


def test_a_drain_that_gives_up_cancels_queued_work_and_names_it():
    from bot.listener_pool import label_delivery

    pool, gate = blocked_pool()
    label_work("TA", REPLY)
    label_delivery("EvQUEUED1")
    queued = pool.submit(lambda: None)
    label_delivery(None)
    assert "EvQUEUED1" in pool.drain(0.05)
    assert queued.cancelled()
    gate.set()


# --- the reaction budget (reactions.add is Tier 3) -------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_budget_refuses_past_its_limit_and_refills(caplog):
    clock = Clock()
    budget = ReactionBudget(per_minute=50, burst=50, clock=clock)
    before = metrics.REACTIONS_SKIPPED._value.get()
    assert all(budget.take("T1") for _ in range(50))
    with caplog.at_level(logging.WARNING, logger="bot.events"):
        assert not budget.take("T1")  # the 51st in the minute
        assert not budget.take("T1")
        assert budget.take("T2")  # another workspace has its own budget
        clock.now += 60 / 50  # one reaction's worth of refill
        assert budget.take("T1")
        assert not budget.take("T1")
        clock.now += 60
        budget.summarize()
    assert metrics.REACTIONS_SKIPPED._value.get() - before == 3
    lines = [r.getMessage() for r in caplog.records if "reactions_skipped_budget" in r.getMessage()]
    counted = sum(int(line.split("count=")[1].split()[0]) for line in lines)
    assert counted == 3 and all("team=T1" in line for line in lines)
    assert len(lines) <= 2  # a summary per minute, not a line per message


def test_the_51st_reaction_in_a_minute_is_skipped_and_its_mood_still_counted():
    with served_app(reactions_per_minute=50, reaction_burst=50) as served:
        counted: list[str] = []
        real_count = served.mood.count

        def count(workspace, channel, ts, *args):
            counted.append(ts)
            return real_count(workspace, channel, ts, *args)

        served.mood.count = count
        for n in range(51):
            event = payloads.message_event(f"great and good {n}", channel="C1")
            assert served.send_event(event, event_id=f"EvBUDGET{n}")[0] == 200
        served.settle()
        assert len(served.fake.calls("reactions.add")) == 50
        assert len(counted) == 51


# --- through the app: every delivery is queued as its workspace's work ------------------------


def test_the_app_queues_each_workspaces_events_apart_and_serves_them_in_turn():
    with served_app(listener_threads=1) as served:
        gate, started = threading.Event(), threading.Event()

        def stuck() -> None:
            started.set()
            gate.wait(10)

        served.pool.submit(stuck)
        assert started.wait(5)
        for n in range(20):
            event = payloads.message_event(f"great and good {n}", channel="C1")
            body = payloads.json_body(
                payloads.event_callback(event, event_id=f"EvFLOOD{n}", team_id="TFLOOD")
            )
            assert served.post(body, "application/json")[0] == 200
        mention = payloads.app_mention_event(f"<@{BOT}> this is great", channel="C2")
        body = payloads.json_body(
            payloads.event_callback(mention, event_id="EvQUIET1", team_id="TQUIET")
        )
        assert served.post(body, "application/json")[0] == 200
        assert served.pool.queued_for("TFLOOD") == 20
        assert served.pool.queued_for("TQUIET") == 1
        order: list[str] = []
        real = served.fake._reply

        def record(method, params, token):
            order.append(method)
            return real(method, params, token)

        served.fake._reply = record
        gate.set()
        served.settle()
        answers = [m for m in order if m in ("reactions.add", "chat.postMessage")]
        assert answers.index("chat.postMessage") <= 1  # after at most one of the flood's


def test_app_rate_limited_is_answered_200_logged_and_counted(caplog):
    with served_app() as served:
        before = metrics.APP_RATE_LIMITED._value.get()
        body = payloads.json_body(
            {
                "token": "legacy",
                "type": "app_rate_limited",
                "team_id": "T0BUSY",
                "minute_rate_limited": 1518467820,
                "api_app_id": "A0000FAKE",
            }
        )
        with caplog.at_level(logging.WARNING, logger="bot.delivery"):
            assert served.post(body, "application/json")[0] == 200
        assert metrics.APP_RATE_LIMITED._value.get() - before == 1
        assert any(
            "app_rate_limited minute=1518467820 team_id=T0BUSY" in r.getMessage()
            for r in caplog.records
        )


def test_a_full_queue_never_holds_up_the_ack_the_excess_is_shed_and_counted():
    with served_app(listener_threads=1, listener_queue_per_workspace=2) as served:
        gate, started = threading.Event(), threading.Event()

        def stuck() -> None:
            started.set()
            gate.wait(10)

        served.pool.submit(stuck)
        assert started.wait(5)
        before = metrics.WORK_SHED.labels(kind=REACTION)._value.get()
        try:
            for n in range(10):
                event = payloads.message_event(f"great and good {n}", channel="C1")
                body = payloads.json_body(
                    payloads.event_callback(event, event_id=f"EvFULL{n}", team_id="TFULL")
                )
                assert served.post(body, "application/json")[0] == 200  # acked, not refused
            assert served.pool.queued_for("TFULL") == 2  # bounded
            assert metrics.WORK_SHED.labels(kind=REACTION)._value.get() - before == 8
        finally:
            gate.set()
        served.settle()
        stamps = [c.params["timestamp"] for c in served.fake.calls("reactions.add")]
        assert len(stamps) == 2  # the two newest were kept
