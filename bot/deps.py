"""What every listener needs, passed in rather than imported, plus the shared log line.

Listeners get a ``Deps`` (settings, predictor) when they are registered, so tests can hand
them a fake predictor.

Logging rule: ids, surfaces, outcomes, timings and Slack error codes only; never message text.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot import metrics
from bot.health import Readiness
from bot.logs import id_field
from bot.settings import Settings
from bot.slack.ratelimit import ReactionBudget
from model.prediction import Prediction, Predictor

if TYPE_CHECKING:
    from bot.install.oauth import Installer
    from bot.mood.service import MoodService

log = logging.getLogger("bot.events")


@dataclass(frozen=True)
class Deps:
    """The collaborators the listeners share."""

    settings: Settings
    predictor: Predictor
    readiness: Readiness | None = None  # told each Slack call's outcome (``/readyz``)
    mood: MoodService | None = None  # the mood record (counting, opt-outs); None: not kept
    # Runs a listener's work after its ack (the app's ListenerPool.submit). Cheaper per event
    # than Bolt's lazy listeners, which copy the whole request for each one.
    later: Callable[..., object] | None = None
    installer: Installer | None = None  # multi-workspace mode (OAuth installs); None: one token
    # reactions.add per workspace (Tier 3); None: no budget (the console, some tests).
    reactions: ReactionBudget | None = None

    def after_ack(self, work: Callable[..., object], *args: object) -> None:
        """Run ``work(*args)`` on the listener pool (here and now when there is none)."""
        if self.later is None:
            work(*args)
        else:
            self.later(work, *args)

    def predict(self, text: str) -> Prediction:
        """One text in, one prediction out (the predictor works in batches)."""
        return self.predictor.predict([text])[0]


class Outcome:
    """A mutable slot a handler fills in with what it did, for the closing log line."""

    __slots__ = ("value", "detail")

    def __init__(self) -> None:
        self.value = "ignored"
        self.detail = ""

    def set(self, value: str, detail: str = "") -> None:
        self.value = value
        self.detail = detail


@contextmanager
def handling(surface: str, event_id: str | None, channel: str | None = None) -> Iterator[Outcome]:
    """Time one handled delivery and log one line about it; swallow and log any exception.

    Swallowing keeps one bad message from reaching Bolt's default handler, which would log the
    exception text (and exception texts can quote user input).
    """
    outcome = Outcome()
    started = time.perf_counter()
    try:
        yield outcome
    except Exception as err:  # noqa: BLE001 - one failure must not stop the next message
        outcome.set("error", type(err).__name__)
        log.error(
            "handler_failed surface=%s %s=%s channel=%s error=%s",
            surface,
            id_field(event_id),
            event_id,
            channel,
            type(err).__name__,
        )
    finally:
        seconds = time.perf_counter() - started
        metrics.EVENTS.labels(surface=surface, outcome=outcome.value).inc()
        metrics.LISTENER_SECONDS.labels(surface=surface).observe(seconds)
        log.info(
            "handled surface=%s %s=%s channel=%s outcome=%s%s ms=%.1f",
            surface,
            id_field(event_id),
            event_id,
            channel,
            outcome.value,
            f" detail={outcome.detail}" if outcome.detail else "",
            seconds * 1000,
        )
