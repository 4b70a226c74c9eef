"""A stop signal that reaches a gunicorn worker before it has its own handlers is not lost.

gunicorn forks each worker with the master's signal handlers still installed. Until the worker's
``init_signals`` replaces them, a SIGTERM (a deploy stopping the server while its second worker
boots) runs the master's handler inside the child, which queues it in the child's copy of the
master and forgets it: that worker serves on until ``graceful_timeout`` and is then killed, so the
stop takes 30 s instead of 1 s. ``gunicorn.conf.py`` guards the master's handlers once it is
ready; a worker that caught a stop signal that way raises it again on itself once its own
handlers are in place.
"""

from __future__ import annotations

import os
import signal

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT)
_caught: list[int] = []  # in a worker: stop signals that arrived before its own handlers


def guard_master_handlers(master_pid: int) -> None:
    """Wrap the master's stop handlers so that a freshly forked worker keeps what it receives."""
    for signum in STOP_SIGNALS:
        original = signal.getsignal(signum)

        def handler(received, frame, original=original):
            if os.getpid() != master_pid:
                _caught.append(received)  # a worker between fork and its own handlers
            elif callable(original):
                original(received, frame)

        signal.signal(signum, handler)


def redeliver_early_signals() -> list[int]:
    """In a worker whose handlers are now installed: raise again what arrived before them."""
    early = list(dict.fromkeys(_caught))
    _caught.clear()
    for signum in early:
        os.kill(os.getpid(), signum)
    return early
