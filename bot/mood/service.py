"""``MoodService``: what the listeners hold to count messages, check opt-outs and answer ``mood``.

It owns the engine, the batched recorder and two in-memory caches refreshed from the database
every ``REFRESH_SECONDS`` (the opt-out list, as keyed hashes, and the channels where counting is
off), so the per-message checks never wait on the database. A daemon thread flushes the
recorder every ``MOOD_FLUSH_SECONDS``, refreshes the caches, and every ``MAINTAIN_SECONDS``
closes finished days (deleting their author hashes and keys) and applies
``MOOD_RETENTION_DAYS``. ``close`` (also run at exit) writes whatever is still pending.

A database that is down (connection refused, timeouts) at start or later never stops the bot:
the schema is migrated on the first successful connection, counts wait in memory up to
``MOOD_MAX_PENDING``, and ``/readyz`` says ``degraded: database mood_pending=N``. One that will
not heal (wrong password, unknown database, malformed URL, a schema newer than the code) stops
the process at startup with exit status 2 and one line naming the cause
(``bot.storage.engine.database_problem``): raised from ``open`` in gunicorn's master, printed by
the thread for ``python -m bot``.

Opening in the background (``python -m bot``): importing SQLAlchemy costs more than the rest of
the bot's startup after the model, so ``open(settings, background=True)`` reads the two caches
from a SQLite file at ``HEAD`` with the standard library (``bot.mood.snapshot``) and leaves
SQLAlchemy, the migration check and maintenance to the thread. Until the caches are loaded (by
either way, or the first attempt failed) the message path waits for them, so nobody who opted
out is reacted to at startup; acks never wait. gunicorn opens synchronously in the master
before it forks (``preload_app``), as a thread there could hold locks across the fork.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.mood import counting, days
from bot.mood.estimate import Calibration
from bot.mood.record import MoodRecorder
from bot.mood.tally import OptOuts
from bot.mood.workspace import Workspace
from bot.settings import Settings
from model.prediction import Prediction
from model.verdict import Verdict

if TYPE_CHECKING:  # SQLAlchemy is imported when the database is opened, not with this module
    from sqlalchemy import Engine

    from bot.mood.summary import MoodSummary

log = logging.getLogger("bot.mood")

REFRESH_SECONDS = 2.0
MAINTAIN_SECONDS = 600.0
LOAD_WAIT_SECONDS = 30.0  # the message path's longest wait for the caches at startup
LOG_CAUSE_EVERY = 60.0  # a failing database's warning: once per cause this often


CALIBRATION_FILE = "share_calibration.json"


def _utc_now() -> datetime:
    return datetime.now(UTC)


def load_calibration(model_path: str) -> Calibration:
    """The model's measured error rates (``share_calibration.json`` beside the artifact,
    written by ``scripts/estimator_accuracy.py --calibration-out``), which every estimate needs.

    Without the file (an older or custom artifact) the probabilities are trusted as they are,
    and the estimate's ``calibration_source`` says so.
    """
    import json
    from pathlib import Path

    from model.artifact import DEFAULT_ARTIFACT

    path = (Path(model_path) if model_path else DEFAULT_ARTIFACT) / CALIBRATION_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Calibration.from_dict(data)
    except FileNotFoundError:
        log.warning("share_calibration_missing path=%s (probabilities used as they are)", path)
    except (ValueError, KeyError, TypeError) as err:
        log.warning("share_calibration_invalid path=%s error=%s", path, err)
    return Calibration(
        source=f"no valid {CALIBRATION_FILE} beside the model: probabilities used as they are"
    )


class MoodService:
    """The mood record as the running bot sees it (one per process).

    ``MoodService.open`` is the one way to start it (database, caches, flush thread). The bare
    constructor gives a service that only reads (``summary``, ``last_closed_day``), as the
    digest runner uses it: no thread, nothing to close.
    """

    def __init__(
        self,
        settings: Settings,
        engine: Engine | None = None,
        *,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.settings = settings
        self._engine = engine  # None: built from DATABASE_URL on first use
        self._engine_lock = threading.Lock()
        self.tz = ZoneInfo(settings.mood_timezone)
        self.clock = clock
        self.recorder = MoodRecorder(
            engine, self.tz, max_pending=settings.mood_max_pending, clock=clock
        )
        self._optouts = OptOuts({}, {})
        self._untracked: frozenset[tuple[Workspace, str]] = frozenset()
        self._min_authors: dict[Workspace, tuple[float, int]] = {}  # read at, value
        self._ready = False
        self._loaded = threading.Event()  # the caches are loaded, or the first try failed
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._close_lock = threading.Lock()
        self._db_ok = True  # the last attempt worked (a fresh service has not failed yet)
        self._ever_connected = False
        self._background = False
        # cause -> when it was last logged, since the database last worked (empty: no failure)
        self._cause_logged: dict[str, float] = {}
        self._flushed_seen = 0
        self._dropped_seen = 0
        self._calibration: Calibration | None = None

    @classmethod
    def open(
        cls,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = _utc_now,
        background: bool = False,
    ) -> MoodService:
        """Open ``DATABASE_URL`` (migrate, load the caches) and start the flush thread.

        ``background``: return at once and open the database on the thread (``python -m bot``).
        """
        service = cls(settings, clock=clock)
        service._start(background=background)
        return service

    @property
    def engine(self) -> Engine:
        """The database engine, built (importing SQLAlchemy) on first use."""
        if self._engine is None:
            with self._engine_lock:
                if self._engine is None:
                    from bot.storage.engine import make_engine

                    self._engine = make_engine(self.settings.database_url)
                    self.recorder.engine = self._engine
        return self._engine

    # -- lifecycle ------------------------------------------------------------------------------

    def _start(self, *, background: bool = False) -> None:
        """Try the database once (migrate, load caches), then flush in the background.

        ``background``: the first try runs on the thread; the caches come from the SQLite file
        now when it is at ``HEAD`` (``bot.mood.snapshot``), else the message path waits.
        """
        self._background = background
        if background:
            from bot.mood import snapshot

            caches = snapshot.read_caches(self.settings.database_url)
            if caches is not None:
                self._optouts, self._untracked = caches
                self._loaded.set()
        else:
            self._connect(may_stop=True)
        self._start_thread()
        ref = weakref.ref(self)
        atexit.register(lambda: (s := ref()) is not None and s.close())
        os.register_at_fork(after_in_child=lambda: (s := ref()) is not None and s._after_fork())

    def _after_fork(self) -> None:
        # gunicorn's preload forks workers from a master that built the app: connections and
        # the flush thread do not survive a fork, so each worker gets its own.
        if self._engine is not None:
            self._engine.dispose(close=False)
        self.recorder.after_fork()
        self._close_lock = threading.Lock()
        self._stop = threading.Event()
        self._start_thread()

    def _start_thread(self) -> None:
        self._thread = threading.Thread(target=self._run, name="mood-recorder", daemon=True)
        self._thread.start()

    def _connect(self, may_stop: bool = False) -> bool:
        """Migrate and load the caches once; ``may_stop``: a cause that will not heal ends the
        startup (see the module docstring) instead of being retried."""
        if self._ready:
            return True
        try:
            from bot.storage.migrate import migrate

            migrate(self.engine)
            self._ready = True
            self._ever_connected = True
            self._set_db_ok(True)
            self.refresh()
            self.maintain()
        except Exception as err:  # noqa: BLE001 - the bot runs on without its database
            self._database_failed(err, may_stop and not self._closed)
            return False
        finally:
            self._loaded.set()  # loaded, or the first try failed: the message path goes on
        return True

    def _database_failed(self, err: Exception, may_stop: bool) -> None:
        """Log a failed attempt by its cause (once per cause a minute); stop at startup on a
        cause that will not heal."""
        import time

        from bot.storage.engine import DatabaseUnusableError, database_problem, unusable_message

        cause, heals, _fix = database_problem(err)
        self._set_db_ok(False)
        if not heals and may_stop and not self._ever_connected:
            message = unusable_message(self.settings.database_url, err)
            if not self._background:
                raise DatabaseUnusableError(message) from None
            import sys

            # python -m bot: this thread found it while the bot already serves; stop it the
            # way a bad setting does (exit 2, one line), before it acks work it cannot count.
            print(f"error: {message}", file=sys.stderr, flush=True)
            os._exit(2)
        now = time.monotonic()
        # Per cause: two causes that take turns (a refused connection, then a timeout on a
        # loaded host) would otherwise log on every attempt.
        if now - self._cause_logged.get(cause, -LOG_CAUSE_EVERY) >= LOG_CAUSE_EVERY:
            self._cause_logged[cause] = now
            log.warning(
                "database_unavailable url=%s cause=%s error=%s retrying=%s pending=%d",
                self._url_for_logs(),
                cause.replace(" ", "_"),
                type(err).__name__,
                "yes" if heals else "yes_needs_a_fix",
                self.recorder.pending,
            )

    def _set_db_ok(self, ok: bool) -> None:
        from bot import metrics

        if ok and not self._db_ok and self._cause_logged:
            log.info("database_recovered url=%s", self._url_for_logs())
            self._cause_logged.clear()
        self._db_ok = ok
        metrics.DATABASE_UP.set(1 if ok else 0)

    def degraded(self) -> list[str]:
        """``/readyz``'s words while the database retries: ``database``, ``mood_pending=N``."""
        if self._db_ok:
            return []
        return ["database", f"mood_pending={self.recorder.pending}"]

    def _export_counts(self) -> None:
        """Mood counts pending, written and dropped, for ``/metrics``."""
        from bot import metrics

        recorder = self.recorder
        metrics.MOOD_PENDING.set(recorder.pending)
        written, dropped = recorder.flushed_messages, recorder.dropped_messages
        metrics.MOOD_WRITTEN.inc(max(0, written - self._flushed_seen))
        metrics.MOOD_DROPPED.inc(max(0, dropped - self._dropped_seen))
        self._flushed_seen, self._dropped_seen = written, dropped

    def _url_for_logs(self) -> str:
        from bot.storage.engine import describe, parse_database_url

        try:
            return describe(parse_database_url(self.settings.database_url))
        except ValueError:
            return "invalid"

    def _run(self) -> None:
        interval = self.settings.mood_flush_seconds
        next_refresh = next_maintain = 0.0
        elapsed = 0.0
        # At once when opening in the background; a no-op once connected.
        self._connect(may_stop=self._background)
        while not self._stop.wait(interval):
            elapsed += interval
            if not self._connect(may_stop=self._background):
                self._export_counts()
                continue
            self._set_db_ok(self.recorder.flush())
            self._export_counts()
            try:
                if elapsed >= next_refresh:
                    next_refresh = elapsed + REFRESH_SECONDS
                    self.refresh()
                if elapsed >= next_maintain:
                    next_maintain = elapsed + MAINTAIN_SECONDS
                    self.maintain()
            except Exception as err:  # noqa: BLE001 - keep the last known caches
                log.warning("mood_refresh_failed error=%s", type(err).__name__)

    def close(self, timeout: float = 10.0) -> None:
        """Stop the thread and write everything pending (SIGTERM, exit, tests)."""
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        if self._connect():
            flushed = self.recorder.flush()
            pending = self.recorder.pending
            if not flushed and pending:
                log.warning("mood_lost_at_exit count=%d (database unreachable)", pending)
        if self._engine is not None:
            self._engine.dispose()

    # -- caches ---------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload the opt-out list and the channels with counting off (other processes' too)."""
        from bot.mood import store

        self._optouts = store.load_optouts(self.engine)
        self._untracked = store.untracked_channels(self.engine)

    def forget_workspace(self, workspace: Workspace, whole_org: bool = False) -> int:
        """Before a workspace's rows are deleted: drop its counts still in memory (waiting out
        a flush under way), so this process writes nothing of it afterwards."""
        return self.recorder.forget(workspace, whole_org)

    def maintain(self) -> None:
        """Close finished days (their author hashes and keys go) and apply retention."""
        from bot.mood import store

        now = self.clock()
        first_open = days.first_open_day(now, self.tz)
        from bot.mood.workspace_settings import raised_min_authors

        raised = raised_min_authors(self.engine)
        store.close_days_before(self.engine, first_open, self.settings.mood_min_authors, raised)
        self.recorder.forget_keys_before(first_open)
        oldest = now.astimezone(self.tz).date() - timedelta(days=self.settings.mood_retention_days)
        deleted = store.delete_days_before(self.engine, oldest)
        if deleted:
            log.info("mood_retention deleted_rows=%d before=%s", deleted, oldest.isoformat())

    # -- the message path (memory only) ---------------------------------------------------------

    def _wait_for_caches(self) -> None:
        if not self._loaded.is_set():  # only at startup, when opening in the background
            self._loaded.wait(LOAD_WAIT_SECONDS)

    def opted_out(self, workspace: Workspace, user_id: str | None) -> bool:
        """Whether this person asked not to be reacted to or counted."""
        self._wait_for_caches()
        return bool(user_id) and self._optouts.contains(workspace, user_id)  # type: ignore[arg-type]

    def counting(self, workspace: Workspace, channel_id: str | None) -> bool:
        """Whether messages in this channel are counted (``MOOD_TRACKING`` and ``mood off|on``)."""
        self._wait_for_caches()
        return (
            self.settings.mood_tracking
            and bool(channel_id)
            and (workspace, channel_id) not in self._untracked
        )

    def count(
        self,
        workspace: Workspace,
        channel_id: str,
        ts: str | None,
        user_id: str,
        prediction: Prediction,
        verdict: Verdict,
    ) -> bool:
        """Count one judged message (enough known words); True if it was counted."""
        sign = counting.counted_sign(prediction, verdict)
        if sign is None or not self.counting(workspace, channel_id):
            return False
        probabilities = counting.probabilities_of(prediction)
        return self.recorder.add(workspace, channel_id, ts, user_id, probabilities, sign)

    # -- commands -------------------------------------------------------------------------------

    def set_opted_out(self, workspace: Workspace, user_id: str, opted_out: bool) -> None:
        """Save ``/sentiment optout|optin`` and apply it in this process at once."""
        from bot.mood import store

        store.set_opted_out(self.engine, workspace, user_id, opted_out)
        self._optouts = store.load_optouts(self.engine)

    def set_tracking(self, workspace: Workspace, channel_id: str, tracking: bool) -> None:
        """Save ``/sentiment mood on|off`` and apply it in this process at once."""
        from bot.mood import store

        store.set_channel_tracking(self.engine, workspace, channel_id, tracking)
        self._untracked = store.untracked_channels(self.engine)

    def min_authors(self, workspace: Workspace) -> int:
        """The minimum group size in effect: ``MOOD_MIN_AUTHORS``, or the workspace's higher one.

        Read at most every ``REFRESH_SECONDS`` per workspace, so a Home tab of 50 channels asks
        once, and another process's ``mood min-people`` is seen within seconds.
        """
        from bot.mood.workspace_settings import stored_min_authors

        floor = self.settings.mood_min_authors
        now = time.monotonic()
        cached = self._min_authors.get(workspace)
        if cached is None or now - cached[0] > REFRESH_SECONDS:
            cached = (now, stored_min_authors(self.engine, workspace) or floor)
            self._min_authors[workspace] = cached
        return max(floor, cached[1])

    def set_min_authors(self, workspace: Workspace, value: int) -> None:
        """Save ``/sentiment mood min-people N`` and apply it in this process at once."""
        from bot.mood.workspace_settings import save_min_authors

        save_min_authors(self.engine, workspace, value, self.clock())
        self._min_authors[workspace] = (time.monotonic(), value)

    def last_closed_day(self) -> date:
        return days.last_closed_day(self.clock(), self.tz)

    @property
    def calibration(self) -> Calibration:
        """The shipped model's measured error rates, read once per process."""
        if self._calibration is None:
            self._calibration = load_calibration(self.settings.model_path)
        return self._calibration

    def summary(self, workspace: Workspace, channel_id: str, period_days: int) -> MoodSummary:
        """The last ``period_days`` closed days of a channel and the period before them, with
        estimated shares, their intervals and the change (``bot.mood.summary``)."""
        from bot.mood import store
        from bot.mood.summary import summarize

        last = self.last_closed_day()
        first_previous = last - timedelta(days=2 * period_days - 1)
        rows = store.channel_days(self.engine, workspace, channel_id, first_previous, last)
        weeks = store.channel_weeks(self.engine, workspace, channel_id, first_previous, last)
        return summarize(
            rows,
            weeks,
            last=last,
            period_days=period_days,
            min_authors=self.min_authors(workspace),
            min_messages=self.settings.mood_min_messages,
            calibration=self.calibration,
            open_week=days.first_open_week(self.clock(), self.tz),
        )
