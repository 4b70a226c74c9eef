"""gunicorn settings for the bot's production HTTP mode.

    gunicorn -c gunicorn.conf.py            # or: make serve

Serves ``bot.runners.wsgi:application()`` (``POST /slack/events``, ``GET /healthz``) on
HOST:PORT from
the environment or ``.env`` (default 0.0.0.0:3000). Settings below can be overridden with the
environment variables named in each line or with gunicorn's own command-line flags.

Why these choices (measured with ``scripts/bench.py``, see docs/serving.md):
- ``gthread`` workers: Bolt acks on the request thread and runs listeners on its own thread
  pool; a few request threads per worker keep acks fast while listeners wait on Slack.
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
import shutil
import tempfile


def _env(name: str, default: str) -> str:
    """The environment over ``.env`` (as the bot reads its settings), else ``default``."""
    try:
        from bot.settings import load_env

        value = load_env(".env").get(name)
    except Exception:  # noqa: BLE001 - a broken .env is reported by the app itself
        value = os.environ.get(name)
    return value.strip() if value and value.strip() else default


wsgi_app = "bot.runners.wsgi:application()"
bind = [f"{_env('HOST', '0.0.0.0')}:{_env('PORT', '3000')}"]
workers = int(_env("WEB_CONCURRENCY", str(os.cpu_count() or 2)))
worker_class = "gthread"
threads = int(_env("GUNICORN_THREADS", "4"))
preload_app = True
backlog = 2048  # a burst of Slack events queues instead of being refused
keepalive = 5
timeout = 30
graceful_timeout = int(_env("GRACEFUL_TIMEOUT", "30"))
accesslog = None  # the bot logs one line per handled event (ids only, never text)
errorlog = "-"
loglevel = _env("LOG_LEVEL", "info").lower()
control_socket_disable = True  # gunicorn >= 25's gunicornc socket: one fixed path per user
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"  # worker heartbeats off the (possibly slow) container disk


# One record of handled events for every worker on this host (bot.delivery.host_record): a
# Slack redelivery that reaches another worker than the original is then still answered once.
# With REDIS_URL (several replicas) Redis is the record instead. Removed when the master exits.
if not _env("REDIS_URL", "") and not _env("DEDUPE_DB", ""):
    _dedupe_dir = tempfile.mkdtemp(prefix="sentiment-bot-")
    os.environ["DEDUPE_DB"] = os.path.join(_dedupe_dir, "handled.sqlite3")
    _master = os.getpid()
    atexit.register(
        lambda: os.getpid() == _master and shutil.rmtree(_dedupe_dir, ignore_errors=True)
    )

# Set by a worker that had to abandon acked events at shutdown (shared memory, inherited by
# every forked worker): the master then exits 1 instead of 0.
_abandoned = mmap.mmap(-1, 1)


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


def on_exit(server) -> None:
    """Exit 1 if any worker abandoned acked events."""
    if _abandoned[0]:
        server.log.error("acked events were abandoned at shutdown (see drain_timeout): exit 1")
        raise SystemExit(1)
