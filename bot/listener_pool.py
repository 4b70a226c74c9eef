"""The thread pool the listeners run on: fair across workspaces, bounded, able to say when done.

Bolt acks first and hands listener work to this pool. The console waits on it before it prints
"no reaction", gunicorn's worker_exit drains it on SIGTERM, and tests use it to prove nothing was
posted without sleeping for a fixed time.

Fair and bounded (issue 17): each workspace (``team_id``, or ``enterprise_id/team_id``,
labelled by ``label_work`` on the request thread) has its own queue, and the threads take one
job from each workspace with queued work in turn (round robin). So a workspace that floods the
bot fills only its own queue: another workspace's job waits for at most one job per busy
workspace, not for the flood. Within a workspace, replies to people go before its
reaction-only work. Queues are bounded, per workspace (``LISTENER_QUEUE_PER_WORKSPACE``) and
in total (``LISTENER_QUEUE_MAX``); past a bound, work is shed by one policy (``_shed_for``):
the full workspace (or, at the total bound, the workspace with the longest queue) loses its
oldest reaction-only job first (a channel message's reaction), and a reply to a person (a
mention, a slash command, a button) only when its queue holds nothing else. Shed work is
counted in ``/metrics`` and logged once per interval per workspace, never per event.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from bot import metrics

log = logging.getLogger("bot.shutdown")
shed_log = logging.getLogger("bot.overload")

_delivery = threading.local()

DEFAULT_WORKSPACE_QUEUE = 1000  # a few seconds of one process's work
DEFAULT_TOTAL_QUEUE = 5000
SHED_LOG_INTERVAL_SECONDS = 10.0
REACTION, REPLY = "reaction", "reply"  # what a job does: only reacts, or answers a person


# Web API methods (and response_url) that answer in Slack; reads like conversations.replies do not.
ANSWERING_METHODS = ("chat.", "reactions.", "views.", "files.", "response_url")


def sending_to_slack(method: str, sending: bool = True) -> None:
    """An answering Slack call starts (``sending``) or failed: while it runs, whether Slack got
    it is unknown, so a shutdown that gives up on the delivery lists it as ``in_flight``."""
    pool = getattr(_delivery, "pool", None)
    label = getattr(_delivery, "running", None)
    if pool is not None and label and method.startswith(ANSWERING_METHODS):
        pool.sending(label, sending)


def reached_slack(method: str) -> None:
    """A Slack call that answers (a reaction, a reply) worked for the delivery being worked on.

    ``bot.slack.web_api`` calls it after each successful call; the pool then knows that this
    delivery's answer is in Slack even if its work has not returned yet, so a shutdown that
    gives up on it does not call it abandoned.
    """
    pool = getattr(_delivery, "pool", None)
    label = getattr(_delivery, "running", None)
    if pool is not None and label and method.startswith(ANSWERING_METHODS):
        pool.answered(label)


def label_delivery(delivery_id: str | None) -> None:
    """Label the listener work this thread submits next with the delivery it belongs to.

    ``DeliveryFilter`` calls it for each delivery it lets through (Bolt runs the listeners on
    the same thread after the middleware chain), so a pool that must abandon work at shutdown
    can say which events it abandoned.
    """
    _delivery.id = delivery_id


def label_work(workspace: str, kind: str = REPLY) -> None:
    """Label the listener work this thread submits next with its workspace and kind.

    A middleware calls it for every delivery (``bot.app``), before the listener runs and calls
    ``Deps.after_ack``: the pool then queues the work in that workspace's queue, and knows
    whether it only reacts (``REACTION``, shed first) or answers a person (``REPLY``).
    """
    _delivery.workspace, _delivery.kind = workspace, kind


SLOT_WAIT_AFTER_IO_SECONDS = 0.1  # then the job runs on without a slot (see off_cpu)


@contextmanager
def off_cpu() -> Iterator[None]:
    """The listener thread inside waits on the network: another one may run Python meanwhile.

    The pool lets ``LISTENER_CPU_SLOTS`` of its threads run a job's Python at once; a thread
    waiting on Slack gives its slot back here (``bot.slack.keepalive``, rate-limit sleeps).
    Every runnable listener thread is one more contender for the GIL the acks need: with 8 of
    them runnable, an ack waited for the GIL several switch intervals in a row (docs/serving.md).
    After the wait the thread takes a slot again, for at most ``SLOT_WAIT_AFTER_IO_SECONDS``:
    it may hold a lock by now that a slot holder waits for, so past that it runs on without one
    (briefly one more contender) rather than wait for ever.
    """
    slot = getattr(_delivery, "slot", None)
    if slot is None:
        yield
        return
    _delivery.slot = None
    slot.release()
    try:
        yield
    finally:
        if slot.acquire(timeout=SLOT_WAIT_AFTER_IO_SECONDS):
            _delivery.slot = slot


class ShedError(Exception):
    """The pool dropped this job by its shed policy (its queue was full); it never ran."""


class _WorkspaceQueue:
    """One workspace's waiting jobs: replies to people first, then reaction-only work."""

    __slots__ = ("replies", "reactions")

    def __init__(self) -> None:
        self.replies: deque[_Job] = deque()
        self.reactions: deque[_Job] = deque()

    def __len__(self) -> int:
        return len(self.replies) + len(self.reactions)

    def __iter__(self) -> Iterator[_Job]:
        yield from self.replies
        yield from self.reactions

    def append(self, job: _Job) -> None:
        (self.reactions if job.kind == REACTION else self.replies).append(job)

    def next_job(self) -> _Job:
        return self.replies.popleft() if self.replies else self.reactions.popleft()

    def shed_one(self) -> _Job:
        """The policy's victim: the oldest reaction-only job, else the oldest reply."""
        return self.reactions.popleft() if self.reactions else self.replies.popleft()


@dataclass(eq=False)
class _Job:
    future: Future
    fn: Callable[..., Any]
    args: tuple
    kwargs: dict
    label: str
    workspace: str
    kind: str
    inline: bool = False  # work this job submits runs in it, not queued again (``dispatch``)
    queued_at: float = field(default_factory=time.monotonic)


def _run_now(fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
    future: Future = Future()
    future.set_running_or_notify_cancel()
    try:
        future.set_result(fn(*args, **kwargs))
    except BaseException as err:  # noqa: BLE001 - the future carries it
        future.set_exception(err)
    return future


class ListenerPool(Executor):
    """The listener threads, fed round robin from bounded per-workspace queues.

    ``submit`` never blocks and never raises for a full queue: past a bound it sheds a job
    (maybe the new one) by the policy in the module docstring, and the shed job's future ends
    with ``ShedError``. The console waits on ``wait_idle`` before printing "no reaction", and tests
    use it to prove that nothing was posted without sleeping for a fixed time.
    """

    def __init__(
        self,
        max_workers: int = 8,
        workspace_queue: int = DEFAULT_WORKSPACE_QUEUE,
        total_queue: int = DEFAULT_TOTAL_QUEUE,
        cpu_slots: int = 0,
    ) -> None:
        self.max_workers = max_workers
        # At most this many threads run a job's Python at once (0: no limit); ``off_cpu``.
        self._slots = threading.Semaphore(cpu_slots) if cpu_slots > 0 else None
        self.workspace_queue = max(1, workspace_queue)
        self.total_queue = max(self.workspace_queue, total_queue)
        self._pending = 0  # queued + running
        lock = threading.Lock()
        self._idle = threading.Condition(lock)  # wait_idle waits on it
        self._ready = threading.Condition(lock)  # the threads wait on it for work
        self._queues: dict[str, _WorkspaceQueue] = {}  # insertion order = round-robin order
        self._queued = 0
        self._running = 0
        self._stopping = False
        self._labels: dict[Future, str] = {}
        # Unfinished jobs per delivery: "has it work left" must not scan every queued job, as
        # it did once per finished or shed job (seconds of the reading thread at the bound).
        self._open: dict[str, int] = {}
        self._answered: set[str] = set()  # deliveries with unfinished work already in Slack
        self._sending: dict[str, int] = {}  # deliveries with an answering call under way
        self.last_in_flight: list[str] = []  # after a drain that gave up: see ``in_flight``
        self._shed_counts: dict[tuple[str, str], int] = {}
        self._shed_logged = time.monotonic()
        self._threads: list[threading.Thread] = []

    # --- submitting -----------------------------------------------------------------------

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        # A job submitted from a listener thread belongs to the delivery that thread works on.
        running: _Job | None = getattr(_delivery, "job", None)
        if running is not None and running.inline:
            return _run_now(fn, *args, **kwargs)
        label = getattr(_delivery, "running", None) or getattr(_delivery, "id", None) or "unknown"
        if running is not None:
            workspace, kind = running.workspace, running.kind
        else:
            workspace = getattr(_delivery, "workspace", None) or ""
            kind = getattr(_delivery, "kind", None) or REPLY
        return self._queue(_Job(Future(), fn, args, kwargs, label, workspace, kind))

    def dispatch(
        self, fn: Callable[[Any], Any], deliveries: list[tuple[Any, str, str, str]]
    ) -> list[Future]:
        """Queue ``fn(arg)`` for each ``(arg, label, workspace, kind)``: whole deliveries.

        Socket Mode acks ``events_api`` envelopes as they are read and hands their dispatch
        (Bolt's whole middleware chain) here, so it waits in its workspace's queue, fairly,
        and is shed under overload before it costs anything; the listener work it submits
        runs in the same job. A read's envelopes are queued under one lock acquisition: each
        acquisition the listener threads contend for costs the reading thread a wait for the
        GIL, which under load is what limited how fast it could read and ack.
        """
        jobs = [
            _Job(Future(), fn, (arg,), {}, label, workspace, kind, inline=True)
            for arg, label, workspace, kind in deliveries
        ]
        self._queue_all(jobs)
        return [job.future for job in jobs]

    def _queue(self, job: _Job) -> Future:
        self._queue_all([job])
        return job.future

    def _queue_all(self, jobs: list[_Job]) -> None:
        shed: list[_Job] = []
        with self._idle:
            if self._stopping:
                raise RuntimeError("cannot schedule new work after shutdown")
            for job in jobs:
                self._pending += 1
                self._labels[job.future] = job.label
                self._open[job.label] = self._open.get(job.label, 0) + 1
                queue = self._queues.setdefault(job.workspace, _WorkspaceQueue())
                queue.append(job)
                self._queued += 1
                while self._queued > self.total_queue or len(queue) > self.workspace_queue:
                    shed.append(self._shed_for(queue))
            self._start_threads()
            self._ready.notify(len(jobs))
        for victim in shed:
            self._shed(victim)

    def _shed_for(self, queue: _WorkspaceQueue) -> _Job:
        """Remove and return the job the policy sheds; called with the lock held.

        The workspace over its own bound sheds; at the total bound, the workspace with the
        longest queue does (a quiet workspace's job is never shed for a flood). Within it, the
        oldest reaction-only job goes first; a reply only when nothing else is queued there.
        """
        if len(queue) <= self.workspace_queue:
            queue = max(self._queues.values(), key=len)
        victim = queue.shed_one()
        self._queued -= 1
        if not queue:
            self._queues.pop(victim.workspace, None)
        return victim

    def _shed(self, job: _Job) -> None:
        job.future.set_exception(ShedError(job.kind))
        metrics.WORK_SHED.labels(kind=job.kind).inc()
        with self._idle:
            key = (job.workspace or "none", job.kind)
            self._shed_counts[key] = self._shed_counts.get(key, 0) + 1
        self._done(job.future)
        self.log_shed()

    def log_shed(self, force: bool = False) -> None:
        """One ``work_shed`` line per workspace per interval with what was shed, then reset."""
        now = time.monotonic()
        with self._idle:
            if not self._shed_counts or (
                not force and now - self._shed_logged < SHED_LOG_INTERVAL_SECONDS
            ):
                return
            counts, self._shed_counts = self._shed_counts, {}
            seconds, self._shed_logged = now - self._shed_logged, now
        by_team: dict[str, dict[str, int]] = {}
        for (team, kind), count in counts.items():
            by_team.setdefault(team, {})[kind] = count
        for team, kinds in sorted(by_team.items()):
            shed_log.warning(
                "work_shed team=%s reactions=%d replies=%d seconds=%.0f reason=queue_full",
                team,
                kinds.get(REACTION, 0),
                kinds.get(REPLY, 0),
                seconds,
            )

    # --- the threads ----------------------------------------------------------------------

    def _start_threads(self) -> None:
        """Start threads as work arrives, up to ``max_workers`` (with the lock held)."""
        busy = self._running + self._queued
        while len(self._threads) < self.max_workers and len(self._threads) < busy:
            thread = threading.Thread(
                target=self._work,
                name=f"bot-listener_{len(self._threads)}",
                daemon=True,
            )
            self._threads.append(thread)
            thread.start()

    def _next(self) -> _Job | None:
        """The next job, round robin over the workspaces with queued work; None: stop."""
        with self._idle:
            while not self._queues:
                if self._stopping:
                    return None
                self._ready.wait()
            workspace = next(iter(self._queues))
            queue = self._queues.pop(workspace)
            job = queue.next_job()
            if queue:
                self._queues[workspace] = queue  # to the back of the round
            self._queued -= 1
            self._running += 1
            return job

    def _work(self) -> None:
        while (job := self._next()) is not None:
            if job.future.set_running_or_notify_cancel():
                _delivery.running, _delivery.pool, _delivery.job = job.label, self, job
                if self._slots is not None:
                    self._slots.acquire()  # this thread holds no lock yet: waiting is safe
                    _delivery.slot = self._slots
                try:
                    job.future.set_result(job.fn(*job.args, **job.kwargs))
                except BaseException as err:  # noqa: BLE001 - the future carries it
                    job.future.set_exception(err)
                finally:
                    _delivery.running = _delivery.pool = _delivery.job = None
                    slot, _delivery.slot = getattr(_delivery, "slot", None), None
                    if slot is not None:
                        slot.release()
            with self._idle:
                self._running -= 1
            self._done(job.future)
            if self._shed_counts:
                self.log_shed()

    # --- bookkeeping ----------------------------------------------------------------------

    def answered(self, label: str) -> None:
        """``label``'s answer reached Slack (``reached_slack``)."""
        with self._idle:
            self._sending.pop(label, None)
            if label in self._open:
                self._answered.add(label)

    def sending(self, label: str, started: bool) -> None:
        """An answering call for ``label`` started, or ended without reaching Slack."""
        with self._idle:
            count = self._sending.get(label, 0) + (1 if started else -1)
            if count > 0:
                self._sending[label] = count
            else:
                self._sending.pop(label, None)

    def in_flight(self) -> list[str]:
        """Unfinished deliveries whose answering call was sent but not answered: Slack may or
        may not have them."""
        with self._idle:
            return sorted(set(self._open) & set(self._sending) - self._answered)

    def _done(self, future: Future) -> None:
        with self._idle:
            self._pending -= 1
            label = self._labels.pop(future, None)
            if label is not None:
                left = self._open.pop(label, 0) - 1
                if left > 0:
                    self._open[label] = left
                else:
                    self._answered.discard(label)
                    self._sending.pop(label, None)
            if self._pending == 0:
                self._idle.notify_all()

    def queued(self) -> int:
        """Jobs waiting for a free thread (submitted, not yet started): readiness watches it."""
        with self._idle:
            return self._queued

    def queued_for(self, workspace: str) -> int:
        """Jobs of one workspace waiting for a thread (benchmarks and tests look at it)."""
        with self._idle:
            return len(self._queues.get(workspace, ()))

    def unfinished(self) -> list[str]:
        """The delivery ids (event ids, trigger ids) whose work is queued or running and whose
        answer has not reached Slack yet."""
        with self._idle:
            return sorted(set(self._open) - self._answered - set(self._sending))

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop taking work; ``cancel_futures`` drops what is still queued."""
        dropped: list[_Job] = []
        with self._idle:
            self._stopping = True
            if cancel_futures:
                for queue in self._queues.values():
                    dropped.extend(queue)
                self._queues.clear()
                self._queued = 0
            self._ready.notify_all()
        for job in dropped:
            job.future.cancel()
            self._done(job.future)
        self.log_shed(force=True)
        if wait:
            for thread in list(self._threads):
                if thread is not threading.current_thread():
                    thread.join()

    def drain(self, timeout: float) -> list[str]:
        """Let queued and running work finish (up to ``timeout`` s), then stop the pool.

        Returns the delivery ids abandoned at the deadline whose answer is not in Slack: empty
        when everything finished, or when what is left already reached Slack (a reaction
        posted, its mood count still running).
        """
        idle = self.wait_idle(max(0.0, timeout))
        abandoned = [] if idle else self.unfinished()
        self.last_in_flight = [] if idle else self.in_flight()
        self.shutdown(wait=idle, cancel_futures=not idle)
        return abandoned

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until no listener work is queued or running; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._pending:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._idle.wait(remaining)
            return True


def drain_pools(pools: list[ListenerPool], timeout: float) -> bool:
    """Finish the listener work of every acked delivery within ``timeout`` s, then stop.

    Slack got its ack before this work ran, so work abandoned here is an event nobody will
    answer and Slack will not redeliver: it is logged with its count and ids, and the caller
    exits non-zero. Work whose answer already reached Slack is not counted. Returns True when
    nothing was abandoned.
    """
    deadline = time.monotonic() + timeout
    abandoned: list[str] = []
    in_flight: list[str] = []
    for pool in pools:
        abandoned += pool.drain(deadline - time.monotonic())
        in_flight += pool.last_in_flight
    if abandoned or in_flight:
        metrics.DRAIN_ABANDONED.inc(len(abandoned))
        log.error(
            "drain_timeout seconds=%.1f abandoned=%d ids=%s in_flight=%d in_flight_ids=%s",
            timeout,
            len(abandoned),
            ",".join(abandoned) or "none",
            len(in_flight),
            ",".join(in_flight) or "none",
        )
    return not abandoned and not in_flight


def exit_now(status: int) -> None:
    """Exit with ``status`` without waiting for abandoned listener threads to return."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
