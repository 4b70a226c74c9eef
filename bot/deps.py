"""What every listener needs, passed in rather than imported, plus the shared log line.

Listeners get a ``Deps`` (settings, predictor, the app's one ``AdminCheck``) when they are
registered, so tests can hand them a fake predictor.

Every ``/sentiment`` listener (``bot.listeners.backfill``, ``.digests``, ``.mood``, ``.status``
and the catch-all ``.commands``) answers through ``answer_command`` and is matched with
``command_matcher``, so the response_url steps and "help goes to the catch-all" have one home.

Logging rule: ids, surfaces, outcomes, timings and Slack error codes only; never message text.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot import metrics
from bot.health import Readiness
from bot.logs import id_field
from bot.settings import Settings
from bot.slack import web_api as slack_api
from bot.slack.permissions import AdminCheck
from bot.slack.ratelimit import ReactionBudget
from bot.slack.text import CommandArgs, parse_command
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
    admins: AdminCheck  # one per app (its cache of who is an admin), built by bot.app
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


# What a slash-command listener answers: the command's words (``--public`` taken out) and the
# log line's outcome in, the message and its ``response_type`` out.
CommandReply = Callable[[CommandArgs, Outcome], tuple[dict[str, Any], str]]


def command_matcher(claims: Callable[[CommandArgs], bool]) -> Callable[[dict], bool]:
    """A Bolt listener matcher: True when ``claims`` takes the command's words.

    Help (an empty ``/sentiment``, ``help``, ``--help``, ``?``) is never claimed: the catch-all
    (``bot.listeners.commands``) answers it, as it always came first. Words that make the
    parsing raise are claimed, so the claiming listener's ``answer_command`` parses them again
    inside ``handling`` and logs the failure on the command's log line, as before.
    """

    def matches(body: dict) -> bool:
        try:
            args = parse_command(body.get("text"))
            return not args.help and claims(args)
        except Exception:  # noqa: BLE001 - logged by the claiming listener's answer_command
            return True

    return matches


# What a feature's parser makes of a command's words (None: not its words), and its answer.
CommandParse = Callable[[CommandArgs], object | None]
CommandAnswer = Callable[[Any, Mapping[str, Any], Any, Outcome], tuple[dict[str, Any], str]]


def register_subcommand(
    app: Any, deps: Deps, name: str, parse: CommandParse, answer: CommandAnswer
) -> None:
    """One ``/sentiment`` listener (``on_NAME_command``) for the words ``parse`` claims: ack at
    once, then ``answer(request, body, client, outcome)`` on the pool, through the one
    ``answer_command``. Bolt runs the first listener whose matchers match: registration order
    is ``bot.listeners.__init__``'s."""

    def listener(ack: Any, body: dict, client: Any) -> None:
        ack()

        def reply(args: CommandArgs, outcome: Outcome) -> tuple[dict[str, Any], str]:
            request = parse(args)
            assert request is not None  # the matcher claimed these words
            return answer(request, body, client, outcome)

        deps.after_ack(answer_command, body, deps, reply)

    listener.__name__ = listener.__qualname__ = f"on_{name}_command"  # Bolt logs this name
    matcher = command_matcher(lambda args: parse(args) is not None)
    app.command(deps.settings.sentiment_command, matchers=[matcher])(listener)


def answer_command(body: Mapping[str, Any], deps: Deps, reply: CommandReply) -> None:
    """Answer one (already acknowledged) slash command through its response_url.

    One ``surface=command`` log line; no response_url: skipped; ``reply`` gets the parsed
    command and sets the outcome; a post Slack refused: failed. Runs on the listener pool.
    """
    request_id = body.get("trigger_id")
    with handling("command", request_id, body.get("channel_id")) as outcome:
        response_url = body.get("response_url")
        if not response_url:
            outcome.set("skipped", "no_response_url")
            return
        message, response_type = reply(parse_command(body.get("text")), outcome)
        ok = slack_api.respond(
            response_url,
            message,
            response_type=response_type,
            settings=deps.settings,
            event_id=request_id,
        )
        if not ok:
            outcome.set("failed", "response_url")
