"""Build the Bolt app: one place that wires settings, predictor, Slack client and listeners.

The same ``App`` serves HTTP mode (``bot.runners.http``, ``bot.runners.wsgi``), Socket Mode
(``bot.runners.socket_mode``) and the local console (``bot.console``). Listeners run after the
ack on a ``ListenerPool`` (``process_before_response`` stays False), so Slack always gets its
answer fast.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from slack_bolt import App
from slack_sdk import WebClient

from bot.delivery.middleware import DeliveryFilter, SignatureCheck
from bot.delivery.records import seen_events_for
from bot.delivery.seen_events import SeenEvents
from bot.deps import Deps
from bot.listener_pool import ListenerPool
from bot.listeners import register_listeners
from bot.settings import Settings
from bot.slack.web_api import make_web_client
from model.prediction import Predictor

if TYPE_CHECKING:
    from bot.mood.service import MoodService

log = logging.getLogger("bot.app")


def _log_unhandled_error(error: Exception, body: dict) -> None:
    """Bolt's default handler logs the exception text, which can quote the message; not here."""
    log.error(
        "unhandled_error error=%s event_id=%s type=%s",
        type(error).__name__,
        (body or {}).get("event_id") or (body or {}).get("trigger_id"),
        (body or {}).get("type") or (body or {}).get("command"),
    )


def create_app(
    settings: Settings,
    predictor: Predictor,
    client: WebClient | None = None,
    seen: SeenEvents | None = None,
    listener_pool: ListenerPool | None = None,
    mood: MoodService | None = None,
) -> App:
    """The Bolt app with every surface registered.

    ``client`` defaults to a WebClient on ``SLACK_API_URL``; Bolt calls ``auth.test`` with it
    once, here, to learn the bot's own user id. ``seen`` defaults to the Redis record when
    ``REDIS_URL`` is set (shared by every worker and replica), else an in-process one.
    ``mood`` defaults to the mood record on ``DATABASE_URL`` (migrated on start).
    """
    client = client or make_web_client(settings)
    if seen is None:
        seen = seen_events_for(settings.redis_url, settings.dedupe_ttl_seconds)
    pool = listener_pool or ListenerPool(max_workers=settings.listener_threads)
    app = App(
        name="sentiment-bot",
        client=client,
        signing_secret=settings.slack_signing_secret,
        request_verification_enabled=False,  # SignatureCheck does it, without logging bodies
        before_authorize=SignatureCheck(settings.slack_signing_secret),
        process_before_response=False,
        listener_executor=pool,
        logger=logging.getLogger("bot.bolt"),
    )
    app.use(DeliveryFilter(seen, settings.process_slack_retries))
    app.error(_log_unhandled_error)
    if mood is None:
        from bot.mood.service import MoodService

        mood = MoodService.open(settings)
    app._sentiment_mood = mood  # type: ignore[attr-defined]  # for mood_service(app)
    register_listeners(app, Deps(settings=settings, predictor=predictor, mood=mood))
    return app


def mood_service(app: App) -> MoodService:
    """The mood record an app built by ``create_app`` counts into (to close it, or query it)."""
    service = getattr(app, "_sentiment_mood", None)
    if service is None:
        raise TypeError("this app was not built by bot.app.create_app")
    return service


def listener_pool(app: App) -> ListenerPool:
    """The pool an app built by ``create_app`` runs its listeners on."""
    executor = app.listener_runner.listener_executor
    if not isinstance(executor, ListenerPool):
        raise TypeError("this app was not built by bot.app.create_app")
    return executor
