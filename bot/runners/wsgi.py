"""Building the HTTP-mode bot for a server process, and draining it when the process stops.

``build_bot()`` is what gunicorn's factory (``bot.runners.asgi:application()``) uses; any WSGI
server can serve the same bot as ``bot.runners.http.create_wsgi_app(build_bot())`` (behind a
buffering proxy: a threaded WSGI server gives each slow client a thread). Bolt acks an event
*before* its listener runs on the app's thread pool, so when gunicorn stops a worker on SIGTERM its
in-flight requests are long answered while the listener work (the model, the reaction) may
still be running. The config's ``worker_exit`` hook calls ``drain`` so that work finishes
before the worker process exits.
"""

from __future__ import annotations

import logging

from bot.app import Bot
from bot.listener_pool import ListenerPool, drain_pools
from bot.slack.ratelimit import ReactionBudget

log = logging.getLogger("bot.runners.wsgi")

_pools: list[ListenerPool] = []
_budgets: list[ReactionBudget] = []


def build_bot(env_file: str = ".env") -> Bot:
    """The HTTP-mode bot from the environment; a setup problem exits 2 with one line.

    Its listener pool is kept here so ``drain`` can finish acked work when the worker stops.
    """
    from bot.app import create_app
    from bot.bootstrap import bootstrap, exit_on_setup_error

    with exit_on_setup_error():
        booted = bootstrap(env_file, http_only=True)
        # A database that will not heal (wrong password, unknown database, a schema newer than
        # the code) stops the master here, one line and exit 2, before any worker starts.
        bot = create_app(booted.settings, booted.predictor, redis_down=booted.redis_down)
    _pools.append(bot.pool)
    if bot.reactions is not None:
        _budgets.append(bot.reactions)
    return bot


def share_reaction_budget(workers: int) -> None:
    """In a forked worker: this process is one of ``workers`` serving the same workspaces, so
    its own reaction buckets get an equal part of Slack's per-workspace budget (with
    ``REDIS_URL`` they only serve while Redis is down)."""
    for budget in _budgets:
        budget.share(workers)


def pending() -> bool:
    """Whether any acked event's listener work is still queued or running in this process."""
    return any(not pool.wait_idle(0) for pool in _pools)


def drain(timeout: float) -> bool:
    """Let acked events' listener work finish (up to ``timeout`` s), then stop the pools.

    Returns False if work was still running at the deadline: it is abandoned, and its count
    and event ids are logged (``drain_timeout``); gunicorn.conf.py then exits non-zero.
    """
    return drain_pools(_pools, timeout)
