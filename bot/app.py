"""Build the bot: one place that wires settings, predictor, Slack client, services and listeners.

``create_app`` builds each service once and returns them together as a ``Bot``: the Bolt
``App`` plus its listener pool, readiness, mood record and signing secret. Runners, the console
and the tests take that ``Bot`` and use its fields; nothing is looked up from the ``App`` later.

The same ``App`` serves HTTP mode (``bot.runners.http``, ``bot.runners.asgi``), Socket Mode
(``bot.runners.socket_mode``) and the local console (``bot.console``). Every listener runs on
the request's own thread (``process_before_response=True``), acks, and hands its work to the
``ListenerPool`` (``Deps.after_ack``). So an ack never waits for a pool thread, however busy the
listeners are; Bolt's lazy listeners would do the same but copy the whole request per event.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from slack_sdk import WebClient

from bot.delivery.middleware import DeliveryFilter, SignatureCheck
from bot.delivery.records import degraded as dedupe_degraded
from bot.delivery.records import seen_events_for
from bot.delivery.seen_events import SeenEvents
from bot.deps import Deps
from bot.health import Readiness
from bot.listener_pool import REACTION, REPLY, ListenerPool, label_work
from bot.listeners import register_listeners
from bot.mood.workspace import Workspace
from bot.settings import Settings
from bot.slack.permissions import AdminCheck
from bot.slack.ratelimit import ReactionBudget, RedisBuckets, workspace_key
from bot.slack.web_api import make_web_client
from model.prediction import Predictor

if TYPE_CHECKING:
    from slack_bolt.oauth import OAuthFlow

    from bot.install.oauth import Installer
    from bot.mood.service import MoodService

log = logging.getLogger("bot.app")
_SAFE_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:/-")


@dataclass(frozen=True)
class Bot:
    """The Bolt app and the services built for it, handed to whatever runs it.

    Runners serve ``app``; the HTTP gate checks ``signing_secret`` and asks ``readiness``;
    whoever stops the bot drains ``pool`` and closes ``mood``.
    """

    app: App
    pool: ListenerPool
    readiness: Readiness
    mood: MoodService
    signing_secret: str
    metrics: bool = True  # serve GET /metrics (METRICS)
    oauth_flow: OAuthFlow | None = None  # multi-workspace mode: the install routes
    reactions: ReactionBudget | None = None  # a server that forks shares it out (post_fork)


def safe_id(value: object) -> str:
    """``value`` if it looks like a Slack id (``Ev0123``, ``/sentiment``), else ``invalid``.

    For log lines about bodies that may not be verified: no newline or other control character
    from a request ever reaches the log to forge a line.
    """
    text = str(value) if value is not None else ""
    if not text:
        return "none"
    if len(text) <= 100 and all(char in _SAFE_ID_CHARS for char in text):
        return text
    return "invalid"


class _DropRedundantBoltLines(logging.Filter):
    """Two of Bolt's own lines say nothing the bot's do not say better:

    - Bolt reads SLACK_BOT_TOKEN from the environment even when it is given a client, then
      warns on every start that the token "will be unused"; the client holds that same token;
    - in multi-workspace mode an event from a workspace with no installation makes Bolt log
      an ERROR ("the AuthorizeResult ... was not found") with no workspace named; the bot's
      own ``no_installation team=... enterprise=...`` line (``bot.install.oauth``) says which.
    """

    _REDUNDANT = ("will be unused", "AuthorizeResult (returned value from authorize)")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(text in message for text in self._REDUNDANT)


def _log_unhandled_error(error: Exception, body: dict) -> None:
    """Bolt's default handler logs the exception text, which can quote the message; not here."""
    body = body if isinstance(body, dict) else {}
    log.error(
        "unhandled_error error=%s event_id=%s type=%s",
        type(error).__name__,
        safe_id(body.get("event_id") or body.get("trigger_id")),
        safe_id(body.get("type") or body.get("command")),
    )


def work_of(body: Mapping[str, Any]) -> tuple[str, str, str]:
    """The pool's labels for one Slack delivery, from its parsed body: the delivery's id (for
    shutdown logs), its workspace's key (its queue) and its kind (a channel ``message`` only
    reacts, shed first; anything else answers a person)."""
    event = body.get("event")
    reaction = isinstance(event, Mapping) and event.get("type") == "message"
    delivery = body.get("event_id") or body.get("trigger_id")
    return (
        delivery if isinstance(delivery, str) else "unknown",
        workspace_key(*Workspace.of(body)),  # from the body: one token may serve many teams
        REACTION if reaction else REPLY,
    )


class _LabelWork(Middleware):
    """Tell the listener pool whose work the listener is about to hand it, and of what kind.

    The pool queues each workspace's work apart (fairness) and sheds reaction-only work (a
    channel ``message``) before replies to people (mentions, commands, buttons).
    """

    def process(
        self,
        *,
        req: BoltRequest,
        resp: BoltResponse,
        next: Callable[[], BoltResponse],  # noqa: A002 - Bolt passes it by this name
    ) -> BoltResponse | None:
        _delivery, workspace, kind = work_of(req.body if isinstance(req.body, dict) else {})
        label_work(workspace, kind)
        return next()


def create_app(
    settings: Settings,
    predictor: Predictor,
    client: WebClient | None = None,
    seen: SeenEvents | None = None,
    listener_pool: ListenerPool | None = None,
    mood: MoodService | None = None,
    redis_down: bool = False,
) -> Bot:
    """The Bolt app with every surface registered, and the services it runs on.

    ``client`` defaults to a WebClient on ``SLACK_API_URL``; Bolt calls ``auth.test`` with it
    once, here, to learn the bot's own user id. ``seen`` defaults to the Redis record when
    ``REDIS_URL`` is set (shared by every worker and replica), else an in-process one.
    ``mood`` defaults to the mood record on ``DATABASE_URL`` (migrated on start).
    ``redis_down``: the startup check found Redis down (``Booted.redis_down``).
    """
    client = client or make_web_client(settings)
    if mood is None:
        from bot.mood.service import MoodService

        mood = MoodService.open(settings)
    installer = None
    if settings.oauth_mode:
        client.token = None  # each request gets its workspace's token from the installation
        installer = _installer(settings, mood, client)
    if seen is None:
        seen = seen_events_for(
            settings.redis_url,
            settings.dedupe_ttl_seconds,
            settings.dedupe_db,
            redis_down=redis_down,
        )
    pool = listener_pool or ListenerPool(
        max_workers=settings.listener_threads,
        workspace_queue=settings.listener_queue_per_workspace,
        total_queue=settings.listener_queue_max,
        cpu_slots=settings.listener_cpu_slots,
    )
    if settings.oauth_mode:  # one workspace's refused token must not take the replica out
        from bot.install.readiness import WorkspaceReadiness

        readiness: Readiness = WorkspaceReadiness(pool)
    else:
        readiness = Readiness(pool)
    readiness.watch(lambda: [word] if (word := dedupe_degraded(seen)) else [])
    bolt_logger = logging.getLogger("bot.bolt")
    if not any(isinstance(f, _DropRedundantBoltLines) for f in bolt_logger.filters):
        bolt_logger.addFilter(_DropRedundantBoltLines())
    app = App(
        name="sentiment-bot",
        client=client,
        signing_secret=settings.slack_signing_secret,
        request_verification_enabled=False,  # SignatureCheck does it, without logging bodies
        before_authorize=SignatureCheck(settings.slack_signing_secret),
        process_before_response=True,  # only the ack here; the work goes to the pool
        listener_executor=pool,
        logger=bolt_logger,
        oauth_settings=installer.oauth_settings if installer else None,
    )
    app.use(
        DeliveryFilter(
            seen, settings.process_slack_retries, ttl_seconds=settings.dedupe_ttl_seconds
        )
    )
    app.use(_LabelWork())
    app.error(_log_unhandled_error)
    deps = Deps(
        settings=settings,
        predictor=predictor,
        admins=AdminCheck(settings),  # one per app: every command listener shares its cache
        readiness=readiness,
        mood=mood,
        later=pool.submit,
        installer=installer,
        reactions=_reaction_budget(settings),
    )
    register_listeners(app, deps)
    readiness.watch(mood.degraded)
    return Bot(
        app,
        pool,
        readiness,
        mood,
        settings.slack_signing_secret,
        settings.metrics,
        app.oauth_flow,
        deps.reactions,
    )


def _reaction_budget(settings: Settings) -> ReactionBudget | None:
    """Per workspace; with ``REDIS_URL`` one budget in Redis for every process that serves it.
    None (no budget) when ``REACTIONS_PER_MINUTE`` is 0."""
    if settings.reactions_per_minute == 0:
        return None
    shared = None
    if settings.redis_url:
        from bot.delivery.redis_record import make_redis_client

        url = settings.redis_url
        shared = RedisBuckets(lambda: make_redis_client(url))
    return ReactionBudget(settings.reactions_per_minute, settings.reaction_burst, shared=shared)


def _installer(settings: Settings, mood: MoodService, client: WebClient) -> Installer:
    """Multi-workspace mode: installation stores on the mood record's database, migrated now
    (an install or event may come before the mood thread has migrated)."""
    from bot.install.oauth import Installer
    from bot.install.store import installed_among
    from bot.storage.migrate import migrate

    migrate(mood.engine)
    installer = Installer.open(settings, mood.engine, client)
    mood.recorder.keep = partial(installed_among, installer.store)
    return installer
