"""gunicorn settings for the bot's production HTTP mode.

    gunicorn -c gunicorn.conf.py            # or: make serve

Serves ``bot.runners.asgi:application()`` (``POST /slack/events``, ``GET /healthz``,
``GET /readyz``, ``GET /metrics``) on HOST:PORT from the environment or ``.env`` (default
0.0.0.0:3000).
Settings below can be overridden with the environment variables named in each line or with
gunicorn's own command-line flags. A wrong value (``WEB_CONCURRENCY=0``, ``GUNICORN_THREADS=abc``),
a port in use or a HOST that is not this machine's stops it at once with exit status 2 and one
line ``error: ...`` (``bot.runners.gunicorn_config``).

Why these choices (measured with ``scripts/bench.py``, see docs/serving.md):
- ``asgi`` workers (gunicorn's asyncio worker): each worker's event loop reads every connection
  without a thread, so slow clients (slow-loris, a trickled body) cannot take the threads that
  ack Slack's requests; an event is acked on the loop once its whole body is in, a slash
  command or button reaches one of the worker's ``GUNICORN_THREADS`` ack threads. Bolt's
  dispatch of an event and all listener work run on the app's own pool after the ack.
- one worker per core (``WEB_CONCURRENCY``): the model is plain Python, so a second core needs a
  second process.
- ``preload_app``: the model and settings load once in the master, a bad setting stops the
  server with one line before any worker starts, and workers fork ready to answer.
- SIGTERM: each worker stops accepting, answers its in-flight requests, then ``worker_exit``
  waits for the listener work of events it already acked (``bot.runners.wsgi.drain``), all within
  ``graceful_timeout``; the master then exits 0.
"""

from __future__ import annotations

import atexit
import mmap
import os
import shlex
import shutil
import signal
import sys
import tempfile


def _metrics_wanted() -> bool:
    """METRICS from the environment or .env, read before anything imports prometheus_client."""
    from bot.settings import load_env

    raw = (load_env(".env").get("METRICS") or "on").strip().lower()
    return raw not in ("off", "false", "0", "no")


# /metrics under several workers: prometheus_client's multiprocess mode keeps each worker's
# samples in files in one folder, named before anything imports it (the app is preloaded here).
if _metrics_wanted():
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        _metrics_dir = os.environ["PROMETHEUS_MULTIPROC_DIR"]
        os.makedirs(_metrics_dir, exist_ok=True)
        for _stale in os.listdir(_metrics_dir):  # a previous run's samples would add up
            if _stale.endswith(".db"):
                os.remove(os.path.join(_metrics_dir, _stale))
    else:
        _metrics_dir = tempfile.mkdtemp(prefix="sentiment-bot-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = _metrics_dir
        _master = os.getpid()
        atexit.register(
            lambda: os.getpid() == _master and shutil.rmtree(_metrics_dir, ignore_errors=True)
        )

from bot.runners.gunicorn_config import gunicorn_logger_class, load_config  # noqa: E402


def _bind_given_on_command_line() -> bool:
    args = sys.argv[1:] + shlex.split(os.environ.get("GUNICORN_CMD_ARGS", ""))
    return any(a in ("-b", "--bind") or a.startswith(("--bind=", "-b")) for a in args)


_config = load_config(check_port=not _bind_given_on_command_line())  # exit 2 + one line when wrong

wsgi_app = "bot.runners.asgi:application()"
bind = [_config.bind]
workers = _config.workers
worker_class = "asgi"  # GUNICORN_THREADS sizes each worker's ack threads, not gunicorn's
preload_app = True
backlog = 2048  # a burst of Slack events queues instead of being refused
keepalive = 5
timeout = 30
graceful_timeout = _config.graceful_timeout
accesslog = None  # the bot logs one line per handled event (ids only, never text)
errorlog = "-"
loglevel = _config.log_level
control_socket_disable = True  # gunicorn >= 25's gunicornc socket: one fixed path per user
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"  # worker heartbeats off the (possibly slow) container disk


def on_starting(server) -> None:
    """A command-line ``-w 0`` would hold the port with no worker to answer: refuse it."""
    if server.cfg.workers < 1:
        print(
            "error: the number of workers must be at least 1 (-w / WEB_CONCURRENCY)",
            file=sys.stderr,
        )
        sys.exit(2)


# The record of handled events is DEDUPE_DB (bot.settings, default data/handled-events.sqlite3
# under the working directory): one file for every worker of this and any other master on this
# host that names the same path, kept across restarts; with REDIS_URL it is the fallback while
# Redis is down. Nothing to set up here.

logger_class = gunicorn_logger_class(_config.log_format)  # LOG_FORMAT for gunicorn's lines too

# Set by a worker that had to abandon acked events at shutdown (shared memory, inherited by
# every forked worker): the master then exits 1 instead of 0.
_abandoned = mmap.mmap(-1, 1)


def when_ready(server) -> None:
    """A SIGTERM that reaches a booting worker still stops it (bot.runners.gunicorn_signals)."""
    from bot.runners.gunicorn_signals import guard_master_handlers

    guard_master_handlers(server.pid)


def post_fork(server, worker) -> None:
    """Each worker spends its part of every workspace's reaction budget (Slack's limit is per
    workspace, not per process); with REDIS_URL they share one budget in Redis instead."""
    from bot.runners import wsgi

    wsgi.share_reaction_budget(server.cfg.workers)


def post_worker_init(worker) -> None:
    from bot.runners.gunicorn_signals import redeliver_early_signals

    for signum in redeliver_early_signals():
        worker.log.info(
            "worker %s: %s arrived while it booted", worker.pid, signal.Signals(signum).name
        )


def worker_exit(server, worker) -> None:
    """Finish the listener work of events this worker already acked before it exits."""
    if worker.pid != os.getpid():
        return  # the master cleaning up after a worker that is already gone
    from bot.runners import wsgi

    busy = wsgi.pending()
    finished = wsgi.drain(timeout=max(1.0, graceful_timeout - 1.0))
    if busy:
        server.log.info(
            "worker %s drained listener work: %s", worker.pid, "done" if finished else "timed out"
        )
    if not finished:
        from bot.listener_pool import exit_now

        _abandoned[0] = 1
        exit_now(1)  # drain_timeout named the abandoned events; don't wait for their threads


def child_exit(server, worker) -> None:
    """A worker is gone: drop its live gauges from /metrics (prometheus_client)."""
    from bot.metrics import process_exited

    process_exited(worker.pid)


def on_exit(server) -> None:
    """Exit 1 if any worker abandoned acked events."""
    if _abandoned[0]:
        server.log.error("acked events were abandoned at shutdown (see drain_timeout): exit 1")
        raise SystemExit(1)
