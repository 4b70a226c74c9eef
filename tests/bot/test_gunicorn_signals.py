"""A stop signal that reaches a gunicorn worker between fork and its own handlers is kept.

Driven with a real fork and real signals, as gunicorn's master does it: the master's handler is
installed, the child is signalled before it installs its own, then it installs them. Without the
guard (gunicorn's default) the signal is lost, which is what made a stop take the whole
graceful timeout when it arrived while the second worker booted.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.helpers.slack_app import REPO

SCRIPT = """
import os, signal, sys
from bot.runners.gunicorn_signals import guard_master_handlers, redeliver_early_signals

master_saw = []
signal.signal(signal.SIGTERM, lambda signum, frame: master_saw.append(signum))
if sys.argv[1] == "guarded":
    guard_master_handlers(os.getpid())
ready_r, ready_w = os.pipe()
go_r, go_w = os.pipe()
pid = os.fork()
if pid == 0:  # the worker, still with the master's handlers
    os.write(ready_w, b"1")
    os.read(go_r, 1)  # the master has signalled us by now; its handler ran here
    worker_saw = []
    signal.signal(signal.SIGTERM, lambda signum, frame: worker_saw.append(signum))  # init_signals
    redeliver_early_signals()
    os._exit(0 if worker_saw == [signal.SIGTERM] else 1)
os.read(ready_r, 1)
os.kill(pid, signal.SIGTERM)
os.write(go_w, b"1")
_, status = os.waitpid(pid, 0)
os.kill(os.getpid(), signal.SIGTERM)  # the master's own handler still runs
assert master_saw == [signal.SIGTERM], master_saw
print("worker stopped" if os.waitstatus_to_exitcode(status) == 0 else "worker missed it")
"""


@pytest.mark.parametrize(
    ("mode", "expected"), [("guarded", "worker stopped"), ("plain", "worker missed it")]
)
def test_sigterm_before_the_workers_handlers_is_delivered_to_it(mode, expected):
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, mode], cwd=REPO, capture_output=True, text=True, timeout=30
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == expected
