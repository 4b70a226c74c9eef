"""``python -m bot digest``: send the weekly digests that are due and any mood-drop alerts.

Meant for cron or a Kubernetes CronJob (every 5 to 15 minutes is fine; see docs/home.md). Each
run, for every subscribed channel:

- the weekly digest, if its workspace's send time passed less than ``DIGEST_CATCH_UP_HOURS``
  ago: the last 7 closed days, the chart, the change against the 7 days before;
- the mood-drop test (``bot.digests.mood_drop``) on the last 35 closed days, once per closed
  day; an alert when an episode starts.

Every post is claimed in the database first and marked sent after (``bot.digests.store``), so
two runners started together, or a runner killed half-way and started again, post each digest
and each alert exactly once.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.digests import messages, store
from bot.digests.mood_drop import AlertState, DropDay, DropRule, drop_test, step
from bot.digests.schedule import due_digest
from bot.digests.store import Claim, PostKey, Subscription
from bot.mood.charts import files as chart_files
from bot.mood.charts.draw import Render, render_png
from bot.mood.service import MoodService
from bot.mood.workspace import Workspace
from bot.schedule_time import SendAt
from bot.settings import Settings
from bot.slack import web_api as slack_api

log = logging.getLogger("bot.digest")

# Slack answers these when a post can never succeed; anything else is retried by a later run.
PERMANENT_ERRORS = frozenset(
    {"channel_not_found", "not_in_channel", "is_archived", "restricted_action", "invalid_auth"}
)
RECOVERY_LOOKBACK = timedelta(days=2)


@dataclass
class RunReport:
    """What one run did, printed as one line for the cron log."""

    digests: int = 0
    alerts: int = 0
    already_claimed: int = 0
    recovered: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"digest_run digests_sent={self.digests} alerts_sent={self.alerts} "
            f"already_claimed={self.already_claimed} recovered={self.recovered} "
            f"failed={self.failed}"
        )


def drop_rule(settings: Settings) -> DropRule:
    """The alert sensitivity from ``MOOD_ALERT_*``."""
    return DropRule(
        z_alert=settings.mood_alert_z,
        min_recent_messages=settings.mood_alert_min_messages,
        min_rise=settings.mood_alert_min_rise,
    )


def runner_id() -> str:
    """Who holds a claim: host, pid and a random part (logs only; no person in it)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class DigestRunner:
    """One run over every subscription (``run``); everything it needs is passed in."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        client: WebClient,
        *,
        now: datetime,
        render: Render = render_png,
        name: str | None = None,
        client_for: Callable[[Workspace], WebClient | None] | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.client = client
        # Multi-workspace mode: each workspace's own client (None: not installed, skipped).
        self.client_for = client_for
        self.now = now
        self.render = render
        self.name = name or runner_id()
        self.tz = ZoneInfo(settings.mood_timezone)
        # Periods come from the mood service's summary as of ``now`` (the one computation).
        self.mood = MoodService(settings, engine, clock=lambda: now)
        self.last_closed = self.mood.last_closed_day()
        self.lease = timedelta(seconds=settings.digest_claim_seconds)
        self.default_send_at = settings.digest_send_at
        self.rule = drop_rule(settings)
        self.report = RunReport()
        self._send_at: dict[Workspace, SendAt] = {}

    def run(self) -> RunReport:
        clients: dict[Workspace, WebClient | None] = {}
        for subscription in store.subscriptions(self.engine):
            if self.client_for is not None:
                workspace = subscription.workspace
                if workspace not in clients:
                    clients[workspace] = self.client_for(workspace)
                if clients[workspace] is None:
                    continue  # logged as no_installation
                self.client = clients[workspace]
            try:
                self._digest(subscription)
                self._alert(subscription)
            except Exception as err:  # noqa: BLE001 - one channel must not stop the others
                self.report.errors.append(type(err).__name__)
                log.error(
                    "digest_channel_failed channel=%s error=%s",
                    subscription.channel_id,
                    type(err).__name__,
                )
        log.info(self.report.line())
        return self.report

    # -- digests -------------------------------------------------------------------------------

    def _digest(self, subscription: Subscription) -> None:
        workspace = subscription.workspace
        if workspace not in self._send_at:
            self._send_at[workspace] = store.send_at_for(
                self.engine, workspace, self.default_send_at
            )
        catch_up = timedelta(hours=self.settings.digest_catch_up_hours)
        moment = due_digest(self.now.astimezone(self.tz), self._send_at[workspace], catch_up)
        if moment is None or subscription.created_at > moment:
            return
        key = PostKey("digest", workspace, subscription.channel_id, moment.date().isoformat())
        self._post(key, lambda: self._digest_message(key), "digests")

    def _digest_message(self, key: PostKey) -> messages.Message:
        summary = self.mood.summary(key.workspace, key.channel_id, 7)
        file_id = None
        if summary.current.totals.messages:
            file_id = chart_files.cached_chart(self.engine, key.workspace, key.channel_id, summary)
            if file_id is None:
                try:
                    file_id = chart_files.upload_summary_chart(
                        self.engine,
                        self.client,
                        key.workspace,
                        key.channel_id,
                        summary,
                        render=self.render,
                    )
                except Exception as err:  # noqa: BLE001 - the numbers go out without a chart
                    log.warning(
                        "digest_chart_failed channel=%s error=%s",
                        key.channel_id,
                        type(err).__name__,
                    )
        return messages.digest_message(summary, key.channel_id, file_id, key.label)

    # -- alerts --------------------------------------------------------------------------------

    def _alert(self, subscription: Subscription) -> None:
        workspace, channel_id = subscription.workspace, subscription.channel_id
        in_episode, checked = store.alert_state(self.engine, workspace, channel_id)
        if checked is not None and checked >= self.last_closed:
            return  # this closed day was already tested
        test = drop_test(self._alert_days(workspace, channel_id), self.rule)
        state, fire = step(AlertState(in_episode), test, self.rule)
        if fire:
            key = PostKey("alert", workspace, channel_id, self.last_closed.isoformat())
            sent = self._post(
                key, lambda: messages.alert_message(test, channel_id, key.label), "alerts"
            )
            if not sent:
                return  # not posted (Slack down?): test again next run
        store.save_alert_state(
            self.engine, workspace, channel_id, state.in_episode, self.last_closed
        )

    def _alert_days(self, workspace: Workspace, channel_id: str) -> list[DropDay]:
        """The last 35 closed days; days below the minimum group size count as empty.

        Read through the mood service's summary, so the alert sees exactly the days a chart
        shows (merged and too-small days are not shown on their own, so they count as empty).
        """
        period = self.mood.summary(workspace, channel_id, self.rule.window_days).current
        return [
            DropDay(p.shown.messages, p.shown.negative) if p.shown else DropDay(0, 0)
            for p in period.points
        ]

    # -- claim, post, record -------------------------------------------------------------------

    def _post(self, key: PostKey, build: Callable[[], messages.Message], counter: str) -> bool:
        """Post once across all runners; True when the post exists (ours or found)."""
        claim = store.claim(self.engine, key, self.name, self.lease, self.now)
        if claim is None:
            self.report.already_claimed += 1
            return True
        if claim.takeover and self._recover(claim):
            return True
        message = build()
        ok, result = slack_api.call(
            "chat.postMessage",
            lambda: self.client.chat_postMessage(channel=key.channel_id, **message),
            event_id=key.label,
        )
        if not ok:
            self.report.failed += 1
            if result in PERMANENT_ERRORS:
                store.mark_failed(self.engine, key, self.name)
            return False  # otherwise the claim expires and a later run tries again
        store.mark_sent(self.engine, key, self.name, result.get("ts"), self.now)
        setattr(self.report, counter, getattr(self.report, counter) + 1)
        log.info("digest_posted kind=%s channel=%s period=%s", key.kind, key.channel_id, key.period)
        return True

    def _recover(self, claim: Claim) -> bool:
        """A dead runner held this claim: did it post before dying? Then just record it."""
        key = claim.key
        oldest = (self.now - RECOVERY_LOOKBACK).timestamp()
        ok, response = slack_api.call(
            "conversations.history",
            lambda: self.client.conversations_history(
                channel=key.channel_id, oldest=f"{oldest:.6f}", limit=200, include_all_metadata=True
            ),
            event_id=key.label,
        )
        if not ok:
            return False
        for message in response.get("messages") or []:
            payload = (message.get("metadata") or {}).get("event_payload") or {}
            if payload.get("post") == key.label:
                store.mark_sent(self.engine, key, self.name, message.get("ts"), self.now)
                self.report.recovered += 1
                log.info("digest_recovered kind=%s channel=%s", key.kind, key.channel_id)
                return True
        return False
