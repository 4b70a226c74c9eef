"""One channel's backfill: read up to ``BACKFILL_DAYS`` of history into the mood record.

Counted under the live rule, ``bot.mood.counting`` itself (the message listener asks it too):
the same event filters (no bots, no housekeeping subtypes, not the bot itself, not a mention
of the bot), channel allow/deny lists, thread replies only with ``REACT_IN_THREADS`` (thread
broadcasts always), opt-outs, the same model and verdict rule (counted when ``react`` or
``lean`` or ``neutral``, each message's probabilities added to the day's share sums, confident
sign when ``react``), the same days in ``MOOD_TIMEZONE``, and the same minimum group size at
rest: a day with too few people is folded into its week, which is kept only with enough people
(``bot.backfill.store``).

Only whole closed days that have no counts yet are read: the window ends at the start of the
first day live counting (or an earlier backfill) already has, or of today. So live counting
and backfill never count the same message, and a day shown before never changes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk import WebClient

from bot.backfill import store
from bot.backfill.history import HistoryError, RequestPacer, read_history
from bot.metrics import BACKFILL_MESSAGES
from bot.mood import counting, days
from bot.mood.tally import DayTally
from bot.mood.workspace import Workspace
from bot.settings import Settings
from bot.slack import web_api as slack_api
from model.prediction import Predictor

log = logging.getLogger("bot.backfill")

LEASE = timedelta(seconds=120)
PROGRESS_EVERY_SECONDS = 5.0


@dataclass
class Progress:
    read: int = 0
    counted: int = 0
    waited: float = 0.0


def window(settings: Settings, engine, workspace: Workspace, channel_id: str, now: datetime):
    """(oldest_ts, bound_ts) of the whole closed days without counts, or None if none."""
    tz = ZoneInfo(settings.mood_timezone)
    last_closed = days.last_closed_day(now, tz)
    first = last_closed - timedelta(days=settings.backfill_days - 1)
    counted = store.first_counted_day(engine, workspace, channel_id, first)
    end_day = counted if counted is not None else last_closed + timedelta(days=1)
    oldest = datetime.combine(first, datetime.min.time(), tz).timestamp()
    bound = datetime.combine(end_day, datetime.min.time(), tz).timestamp()
    return (oldest - 1e-6, bound) if bound > oldest else None


class BackfillJob:
    """Runs (or resumes) one channel's backfill; ``run`` returns the final state."""

    def __init__(
        self,
        settings: Settings,
        engine,
        client: WebClient,
        history_client: WebClient,
        predictor: Predictor,
        *,
        workspace: Workspace,
        channel_id: str,
        bot_user_id: str | None,
        opted_out: Callable[[Workspace, str], bool],
        owner: str,
        pacer: RequestPacer | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        should_stop: Callable[[], bool] = lambda: False,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.client = client
        self.history_client = history_client
        self.predictor = predictor
        self.workspace = workspace
        self.channel_id = channel_id
        self.bot_user_id = bot_user_id
        self.opted_out = opted_out
        self.owner = owner
        self.pacer = pacer or RequestPacer(settings.backfill_requests_per_minute)
        self.clock = clock
        self.should_stop = should_stop
        self.tz = ZoneInfo(settings.mood_timezone)
        self.progress = Progress()
        self._last_report = 0.0

    # -- counting ------------------------------------------------------------------------------

    def _tally(self, messages: list[dict[str, Any]]) -> dict:
        """Count one page of history under the live rule (``bot.mood.counting``)."""
        now = self.clock()
        wanted, texts = [], []

        def opted_out(user_id: str | None) -> bool:
            return bool(user_id) and self.opted_out(self.workspace, user_id)

        for message in messages:
            # History messages carry no channel: add it, so the channel rules see what live does.
            event = {**message, "channel": self.channel_id}
            text, _reason = counting.text_to_judge(
                event, self.bot_user_id, self.settings, opted_out
            )
            if text:
                wanted.append(message)
                texts.append(text)
        tallies: dict = {}
        if not texts:
            return tallies
        rule = self.settings.verdict_rule
        for message, prediction in zip(wanted, self.predictor.predict(texts), strict=True):
            sign = counting.counted_sign(prediction, rule.decide(prediction))
            if sign is None:
                continue
            day = days.day_of_ts(message.get("ts"), self.tz, now)
            tally = tallies.setdefault(day, DayTally())
            counting.grow(tally, message["user"], counting.probabilities_of(prediction), sign)
        return tallies

    # -- progress ------------------------------------------------------------------------------

    def _say(self, job: store.Job, text: str, force: bool = False) -> None:
        if not force and time.monotonic() - self._last_report < PROGRESS_EVERY_SECONDS:
            return
        self._last_report = time.monotonic()
        if job.progress_ts:
            slack_api.call(
                "chat.update",
                lambda: self.client.chat_update(
                    channel=job.progress_channel, ts=job.progress_ts, text=text
                ),
                event_id=None,
            )

    def _status(self, job: store.Job) -> str:
        p = self.progress
        read, counted = job.messages_read + p.read, job.messages_counted + p.counted
        return (
            f":hourglass_flowing_sand: Reading the last {self.settings.backfill_days} days of "
            f"<#{self.channel_id}> into the mood record (counts only): {read:,} messages read, "
            f"{counted:,} counted so far."
            + (f" Slack asked me to slow down ({p.waited:.0f}s waited)." if p.waited else "")
        )

    # -- the run -------------------------------------------------------------------------------

    def run(self, job: store.Job) -> str:
        """Read from the job's mark down to its window's start; "done", "failed" or "stopped"."""

        def waited(seconds: float) -> None:
            self.progress.waited += seconds
            self._say(job, self._status(job), force=True)

        try:
            for page in read_history(
                self.history_client,
                self.channel_id,
                oldest=job.oldest_ts,
                latest=job.latest,
                pacer=self.pacer,
                page_size=self.settings.backfill_page_size,
                on_rate_limited=waited,
                should_stop=self.should_stop,
            ):
                if not page.messages:
                    break
                mark = min(float(m["ts"]) for m in page.messages if m.get("ts"))
                tallies = self._tally(page.messages)
                below = days.day_of_ts(mark, self.tz, self.clock())
                store.commit_page(
                    self.engine,
                    job,
                    owner=self.owner,
                    tallies=tallies,
                    read=len(page.messages),
                    new_mark=mark,
                    complete_before=below,
                    lease=LEASE,
                    min_authors=self.settings.mood_min_authors,
                )
                self.progress.read += len(page.messages)
                BACKFILL_MESSAGES.inc(len(page.messages))
                self.progress.counted += sum(t.messages for t in tallies.values())
                self._say(job, self._status(job))
            if self.should_stop():
                return "stopped"
        except store.LeaseLostError:
            log.info("backfill_lease_lost channel=%s", self.channel_id)
            return "stopped"
        except HistoryError as err:
            store.finish(self.engine, job, self.owner, "failed", err.code)
            self._say(job, f"I couldn't read <#{self.channel_id}>'s history ({err.code}).", True)
            log.warning("backfill_failed channel=%s error=%s", self.channel_id, err.code)
            return "failed"
        store.finish(
            self.engine, job, self.owner, "done", min_authors=self.settings.mood_min_authors
        )
        final = store.load_job(self.engine, self.workspace, self.channel_id)
        read = final.messages_read if final else self.progress.read
        counted = final.messages_counted if final else self.progress.counted
        self._say(
            job,
            f":white_check_mark: Done: read {read:,} messages from the last "
            f"{self.settings.backfill_days} days of <#{self.channel_id}> and counted {counted:,} "
            "into the mood record (counts per day only, nobody singled out).",
            force=True,
        )
        log.info("backfill_done channel=%s read=%d counted=%d", self.channel_id, read, counted)
        return "done"


MAX_RUNNING = 16  # backfills reading history at once in a process (threads that mostly wait)


class _Lanes:
    """One backfill at a time per workspace, workspaces side by side.

    Slack's ``conversations.history`` limit is per workspace and each job paces itself to it,
    so two jobs of one workspace at once would spend it twice: they queue. Another workspace's
    job does not wait for them (one workspace never holds up another), up to ``MAX_RUNNING``.
    A lane is dropped when its last job ends, so the table holds only busy workspaces.
    """

    def __init__(self, limit: int = MAX_RUNNING) -> None:
        self._lock = threading.Lock()
        self._lanes: dict[Workspace, list] = {}  # workspace -> [lock, jobs holding or waiting]
        self._slots = threading.BoundedSemaphore(limit)

    def run(self, workspace: Workspace, work: Callable[[], None]) -> None:
        with self._lock:
            lane = self._lanes.setdefault(workspace, [threading.Lock(), 0])
            lane[1] += 1
        try:
            with lane[0], self._slots:
                work()
        finally:
            with self._lock:
                lane[1] -= 1
                if lane[1] == 0:
                    del self._lanes[workspace]


_lanes = _Lanes()


def run_in_background(job: BackfillJob, row: store.Job) -> threading.Thread:
    """Run ``job`` on a daemon thread (a killed process resumes on the next request)."""

    def work() -> None:
        try:
            job.run(row)
        except Exception as err:  # noqa: BLE001 - logged; the lease expires, resume later
            log.error("backfill_crashed channel=%s error=%s", job.channel_id, type(err).__name__)

    def target() -> None:
        _lanes.run(job.workspace, work)

    thread = threading.Thread(target=target, name=f"backfill-{job.channel_id}", daemon=True)
    thread.start()
    return thread
