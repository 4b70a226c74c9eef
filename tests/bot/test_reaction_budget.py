"""One reaction budget per workspace however many processes serve it (issue 17).

Slack's ``reactions.add`` limit (Tier 3, about 50 a minute) is per workspace. Two gunicorn
workers each with the whole budget would spend twice that. With ``REDIS_URL`` every process
spends from one bucket in Redis; without it each forked worker gets an equal part; while Redis
is down a process falls back to its part. Real redis-server and real gunicorn, no mocks.
"""

from __future__ import annotations

import logging
import threading

import pytest

from bot.console import slack_requests as payloads
from bot.delivery.redis_record import make_redis_client
from bot.slack.ratelimit import ReactionBudget, RedisBuckets
from tests.bot.test_gunicorn import env_for, gunicorn_argv, send
from tests.bot.test_redis_dedupe import REDIS_SERVER, redis_server
from tests.helpers.fake_slack import FakeSlack
from tests.helpers.slack_app import bot_process, free_port

needs_redis = pytest.mark.skipif(
    REDIS_SERVER is None, reason="redis-server is not installed (apt-get install redis-server)"
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_forked_workers_each_get_an_equal_part_and_together_keep_the_limit():
    clock = Clock()
    workers = [ReactionBudget(per_minute=50, burst=20, clock=clock) for _ in range(2)]
    for budget in workers:
        budget.share(2)
    # at once: the whole burst between them, not twice it
    allowed = sum(budget.take("T1") for _ in range(30) for budget in workers)
    assert allowed == 20
    # over a minute of steady demand: the whole per-minute rate between them
    allowed = 0
    for _ in range(600):
        clock.now += 0.1
        allowed += sum(budget.take("T1") for budget in workers)
    assert 45 <= allowed <= 50  # within the limit, and not starved


def test_an_unshared_budget_is_the_whole_budget():
    budget = ReactionBudget(per_minute=50, burst=20, clock=Clock())
    assert sum(budget.take("T1") for _ in range(30)) == 20
    budget.share(3)  # a third of it, at least one reaction
    assert sum(budget.take("T1") for _ in range(30)) == 6
    tiny = ReactionBudget(per_minute=1, burst=1, clock=Clock())
    tiny.share(4)
    assert tiny.take("T1") and not tiny.take("T1")


@needs_redis
def test_processes_sharing_redis_spend_one_budget_per_workspace():
    with redis_server() as url:
        workers = [
            ReactionBudget(
                per_minute=1, burst=20, shared=RedisBuckets(lambda: make_redis_client(url))
            )
            for _ in range(3)
        ]
        for budget in workers:
            budget.share(3)  # their own parts only serve while Redis is down
        allowed = sum(budget.take("T1") for _ in range(20) for budget in workers)
        assert allowed == 20  # the whole burst across the three, not 3 x 6.67
        assert sum(budget.take("T2") for budget in workers) == 3  # T2 has its own bucket
        assert sum(budget.take("E1/T1") for budget in workers) == 3  # so has an org's T1


@needs_redis
def test_while_redis_is_down_a_process_uses_its_part_and_says_so_once(caplog):
    clock = Clock()
    with redis_server() as url:
        shared = RedisBuckets(lambda: make_redis_client(url), clock=clock)
        budget = ReactionBudget(per_minute=60, burst=10, clock=clock, shared=shared)
        budget.share(2)
        assert budget.take("T1")  # Redis answers
    # the server is gone
    with caplog.at_level(logging.WARNING, logger="bot.events"):
        allowed = sum(budget.take("T1") for _ in range(20))
    assert allowed == 5  # this process's part of the burst
    lines = [r.getMessage() for r in caplog.records]
    down = [line for line in lines if line.startswith("reaction_budget_store_unavailable")]
    assert len(down) == 1 and "fallback=per_process" in down[0] and "redis://" not in down[0]


@needs_redis
def test_redis_recovering_is_logged_and_used_again(caplog):
    clock = Clock()
    port = free_port()
    with redis_server(port) as url:
        shared = RedisBuckets(lambda: make_redis_client(url), clock=clock)
        budget = ReactionBudget(per_minute=60, burst=4, clock=clock, shared=shared)
        assert sum(budget.take("T1") for _ in range(4)) == 4
    assert shared.take("T1", 1.0, 4.0) is None  # down
    with redis_server(port), caplog.at_level(logging.WARNING, logger="bot.events"):
        assert shared.take("T1", 1.0, 4.0) is None  # still inside the retry interval
        clock.now += 6
        assert shared.take("T1", 1.0, 4.0) is True  # a fresh Redis: a full bucket
    assert any(r.getMessage().startswith("reaction_budget_store_recovered") for r in caplog.records)


def _flood(base: str, messages: int) -> None:
    def client(k: int) -> None:
        for n in range(messages // 8):
            event = payloads.message_event(f"so bad and awful {k}-{n}", channel="C2")
            assert send(base, event) == 200

    threads = [threading.Thread(target=client, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def _handled(fake: FakeSlack, base: str, messages: int) -> int:
    import time
    import urllib.request

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with urllib.request.urlopen(base + "/metrics", timeout=5) as response:
            text = response.read().decode()
        skipped = sum(
            float(line.split()[-1])
            for line in text.splitlines()
            if line.startswith("slackbot_reactions_skipped_budget_total")
        )
        if len(fake.calls("reactions.add")) + skipped >= messages:
            return len(fake.calls("reactions.add"))
        time.sleep(0.2)
    raise AssertionError("the events were not all handled")


def _reactions_to_a_flood(tmp_path, **settings: str) -> int:
    """80 messages of one workspace into two gunicorn workers: how many got a reaction."""
    port = free_port()
    with FakeSlack() as fake:
        env = env_for(fake, port, **settings)
        with bot_process(gunicorn_argv(), env, tmp_path, port) as (_proc, base):
            _flood(base, 80)
            return _handled(fake, base, 80)


def test_two_gunicorn_workers_spend_one_workspace_budget_between_them(tmp_path):
    reacted = _reactions_to_a_flood(tmp_path, REACTIONS_PER_MINUTE="1", REACTION_BURST="8")
    assert reacted <= 8  # 4 per worker; without the split, up to 16


@needs_redis
def test_two_gunicorn_workers_with_redis_spend_exactly_one_budget(tmp_path):
    with redis_server() as url:
        reacted = _reactions_to_a_flood(
            tmp_path, REACTIONS_PER_MINUTE="1", REACTION_BURST="8", REDIS_URL=url
        )
    assert reacted == 8


def test_no_budget_when_reactions_per_minute_is_0(tmp_path):
    """0 turns the budget off (load tests against a fake Slack): a burst of one is not applied."""
    assert _reactions_to_a_flood(tmp_path, REACTIONS_PER_MINUTE="0", REACTION_BURST="1") == 80
