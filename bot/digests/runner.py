"""``python -m bot digest``: send the weekly digests that are due and any mood-drop alerts.

Meant for cron or a Kubernetes CronJob (every 5 to 15 minutes is fine; see docs/home.md). Each
run, for every subscribed channel:

- the weekly digest, if its workspace's send time passed less than ``DIGEST_CATCH_UP_HOURS``
  ago: the last 7 closed days, the chart (data visualization blocks: Slack draws them, nothing
  is uploaded), the change against the 7 days before;
- the mood-drop test (``bot.digests.mood_drop``) on the last 35 closed days, once per closed
  day; an alert when an episode starts.

Every post is claimed in the database first and marked sent after (``bot.digests.store``), so
two runners started together, or a runner killed half-way and started again, post each digest
and each alert exactly once.

Each subscription gets one outcome line (``ChannelReport.line``: ``not_due next=...``,
``stale_skipped``, ``sent``, ``already_sent``, ``failed_permanent reason=...``, ...), handed to
``emit`` as it is decided, so a cron log says why nothing was sent. ``now`` decides only what is
due; claims, their expiry and the look-back for a dead runner's post use the real ``clock``, so
``--now`` in the past or future cannot expire a live claim or miss a post made minutes ago.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.digests import messages, store
from bot.digests.mood_drop import AlertState, DropDay, DropRule, drop_test, step
from bot.digests.schedule import due_digest, last_send_time
from bot.digests.store import Claim, PostKey, Subscription
from bot.metrics import DIGESTS
from bot.mood.service import MoodService
from bot.mood.workspace import Workspace
from bot.schedule_time import SendAt
from bot.settings import Settings
from bot.slack import web_api as slack_api
from bot.storage.claims import claim_owner

log = logging.getLogger("bot.digest")

# Slack answers these when a post can never succeed; anything else is retried by a later run.
PERMANENT_ERRORS = frozenset(
    {"channel_not_found", "not_in_channel", "is_archived", "restricted_action", "invalid_auth"}
)
RECOVERY_LOOKBACK = timedelta(days=2)


@dataclass(frozen=True)
class PostOutcome:
    """What happened to one digest or alert of a channel in this run, and why."""

    name: str  # not_due, stale_skipped, sent, already_sent, failed_permanent, ...
    detail: dict[str, str] = field(default_factory=dict)  # next=..., reason=...

    def fields(self, prefix: str = "") -> str:
        extra = "".join(f" {prefix}{k}={v}" for k, v in self.detail.items())
        return f"{self.name}{extra}"


# Outcomes that make the run's exit status 1: a post failed in this run (retried or not).
FAILED_NOW = frozenset({"failed_permanent", "failed_retry", "error"})


@dataclass(frozen=True)
class ChannelReport:
    """One subscription's outcome line: its digest and its mood-drop alert."""

    subscription: Subscription
    digest: PostOutcome
    alert: PostOutcome

    def line(self) -> str:
        return (
            f"digest_channel team={self.subscription.workspace.team_id} "
            f"channel={self.subscription.channel_id} digest={self.digest.fields()} "
            f"alert={self.alert.fields('alert_')}"
        )


@dataclass
class RunReport:
    """What one run did: a count per outcome, printed once as the summary line."""

    channels: list[ChannelReport] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    def add(self, channel: ChannelReport) -> None:
        self.channels.append(channel)
        self.outcomes[f"digest_{channel.digest.name}"] += 1
        self.outcomes[f"alert_{channel.alert.name}"] += 1
        DIGESTS.labels(kind="digest", outcome=channel.digest.name).inc()
        DIGESTS.labels(kind="alert", outcome=channel.alert.name).inc()

    @property
    def digests(self) -> int:
        return self.outcomes["digest_sent"]

    @property
    def alerts(self) -> int:
        return self.outcomes["alert_sent"]

    @property
    def already_claimed(self) -> int:
        return self.outcomes["digest_already_claimed"] + self.outcomes["alert_already_claimed"]

    @property
    def already_sent(self) -> int:
        return self.outcomes["digest_already_sent"] + self.outcomes["alert_already_sent"]

    @property
    def recovered(self) -> int:
        return self.outcomes["digest_recovered"] + self.outcomes["alert_recovered"]

    def count(self, name: str) -> int:
        return self.outcomes[f"digest_{name}"] + self.outcomes[f"alert_{name}"]

    @property
    def failed(self) -> int:
        return self.count("failed_permanent") + self.count("failed_retry")

    @property
    def exit_status(self) -> int:
        """1 when a post failed in this run (cron mails it), else 0: nothing due, or all sent."""
        return 1 if self.failed or self.errors else 0

    def line(self) -> str:
        return (
            f"digest_run subscriptions={len(self.channels)} digests_sent={self.digests} "
            f"alerts_sent={self.alerts} not_due={self.outcomes['digest_not_due']} "
            f"stale_skipped={self.outcomes['digest_stale_skipped']} "
            f"already_sent={self.already_sent} already_claimed={self.already_claimed} "
            f"recovered={self.recovered} failed_permanent={self.count('failed_permanent')} "
            f"failed_retry={self.count('failed_retry')} "
            f"failed_earlier={self.count('failed_earlier')} errors={len(self.errors)} "
            f"status={'failed' if self.exit_status else 'ok'}"
        )


def drop_rule(settings: Settings) -> DropRule:
    """The alert sensitivity from ``MOOD_ALERT_*``."""
    return DropRule(
        z_alert=settings.mood_alert_z,
        min_recent_messages=settings.mood_alert_min_messages,
        min_rise=settings.mood_alert_min_rise,
    )


class DigestRunner:
    """One run over every subscription (``run``); everything it needs is passed in."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        client: WebClient,
        *,
        now: datetime,
        name: str | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        emit: Callable[[str], None] = lambda line: None,
        client_for: Callable[[Workspace], WebClient | None] | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.client = client
        # Multi-workspace mode: each workspace's own client (None: not installed, skipped).
        self.client_for = client_for
        self.now = now  # what is due (``--now``)
        self.clock = clock  # claims, their expiry, the recovery look-back: always real time
        self.emit = emit
        self.name = name or claim_owner()
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
            digest = alert = PostOutcome("not_run")
            if self.client_for is not None:
                workspace = subscription.workspace
                if workspace not in clients:
                    clients[workspace] = self.client_for(workspace)
                if clients[workspace] is None:
                    where = f"team={workspace.team_id} channel={subscription.channel_id}"
                    self.emit(f"digest_channel {where} no_installation")
                    continue
                self.client = clients[workspace]
            try:
                digest = self._digest(subscription)
                alert = self._alert(subscription)
            except Exception as err:  # noqa: BLE001 - one channel must not stop the others
                self.report.errors.append(type(err).__name__)
                failed = PostOutcome("error", {"error": type(err).__name__})
                digest, alert = (failed, alert) if digest.name == "not_run" else (digest, failed)
            channel = ChannelReport(subscription, digest, alert)
            self.report.add(channel)
            self.emit(channel.line())
        self.emit(self.report.line())
        return self.report

    # -- digests -------------------------------------------------------------------------------

    def _digest(self, subscription: Subscription) -> PostOutcome:
        workspace = subscription.workspace
        if workspace not in self._send_at:
            self._send_at[workspace] = store.send_at_for(
                self.engine, workspace, self.default_send_at
            )
        send_at = self._send_at[workspace]
        now_local = self.now.astimezone(self.tz)
        catch_up = timedelta(hours=self.settings.digest_catch_up_hours)
        moment = due_digest(now_local, send_at, catch_up)
        if moment is None:
            last = last_send_time(now_local, send_at)
            upcoming = {"next": (last + timedelta(days=7)).isoformat()}
            key = self._digest_key(subscription, last)
            if subscription.created_at <= last and store.post_state(self.engine, key) is None:
                return PostOutcome("stale_skipped", {"missed": last.isoformat(), **upcoming})
            return PostOutcome("not_due", upcoming)
        if subscription.created_at > moment:
            return PostOutcome("not_due", {"next": (moment + timedelta(days=7)).isoformat()})
        key = self._digest_key(subscription, moment)
        return self._post(key, lambda: self._digest_message(key))

    @staticmethod
    def _digest_key(subscription: Subscription, moment: datetime) -> PostKey:
        return PostKey(
            "digest", subscription.workspace, subscription.channel_id, moment.date().isoformat()
        )

    def _digest_message(self, key: PostKey) -> messages.Message:
        summary = self.mood.summary(key.workspace, key.channel_id, 7)
        return messages.digest_message(summary, key.channel_id, key.label)

    # -- alerts --------------------------------------------------------------------------------

    def _alert(self, subscription: Subscription) -> PostOutcome:
        workspace, channel_id = subscription.workspace, subscription.channel_id
        in_episode, checked = store.alert_state(self.engine, workspace, channel_id)
        if checked is not None and checked >= self.last_closed:
            return PostOutcome("already_checked")  # this closed day was already tested
        test = drop_test(self._alert_days(workspace, channel_id), self.rule)
        state, fire = step(AlertState(in_episode), test, self.rule)
        outcome = PostOutcome("no_drop" if not state.in_episode else "in_episode")
        if fire:
            key = PostKey("alert", workspace, channel_id, self.last_closed.isoformat())
            outcome = self._post(key, lambda: messages.alert_message(test, channel_id, key.label))
            if outcome.name == "failed_retry":
                return outcome  # not posted (Slack down?): test again next run
        store.save_alert_state(
            self.engine, workspace, channel_id, state.in_episode, self.last_closed
        )
        return outcome

    def _alert_days(self, workspace: Workspace, channel_id: str) -> list[DropDay]:
        """The last 35 closed days; days below the minimum group size count as empty.

        Read through the mood service's summary, so the alert sees exactly the days a chart
        shows (merged and too-small days are not shown on their own, so they count as empty).
        """
        period = self.mood.summary(workspace, channel_id, self.rule.window_days).current
        return [
            DropDay(p.counts.messages, p.counts.negative) if p.counts else DropDay(0, 0)
            for p in period.points
        ]

    # -- claim, post, record -------------------------------------------------------------------

    def _post(self, key: PostKey, build: Callable[[], messages.Message]) -> PostOutcome:
        """Post once across all runners; the outcome says whether it exists and why not."""
        claim = store.claim(self.engine, key, self.name, self.lease, self.clock())
        if claim is None:
            return self._not_ours(key)
        if claim.takeover and self._recover(claim):
            return PostOutcome("recovered")
        message = build()
        ok, result = slack_api.call(
            "chat.postMessage",
            lambda: self.client.chat_postMessage(channel=key.channel_id, **message),
            event_id=key.label,
        )
        if not ok:
            reason = str(result)
            if reason in PERMANENT_ERRORS:
                store.mark_failed(self.engine, key, self.name, reason)
                return PostOutcome("failed_permanent", {"reason": reason})
            # The claim expires and a later run tries again.
            return PostOutcome("failed_retry", {"reason": reason})
        store.mark_sent(self.engine, key, self.name, result.get("ts"), self.clock())
        log.debug(
            "digest_posted kind=%s channel=%s period=%s", key.kind, key.channel_id, key.period
        )
        return PostOutcome("sent")

    def _not_ours(self, key: PostKey) -> PostOutcome:
        """Claimed by no one now: sent, failed for good earlier, or another runner holds it."""
        state = store.post_state(self.engine, key)
        if state is not None and state.state == "sent":
            return PostOutcome("already_sent")
        if state is not None and state.state == "failed":
            return PostOutcome("failed_earlier", {"reason": state.reason or "unknown"})
        return PostOutcome("already_claimed")

    def _recover(self, claim: Claim) -> bool:
        """A dead runner held this claim: did it post before dying? Then just record it."""
        key = claim.key
        now = self.clock()
        oldest = (now - RECOVERY_LOOKBACK).timestamp()
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
                store.mark_sent(self.engine, key, self.name, message.get("ts"), now)
                log.debug("digest_recovered kind=%s channel=%s", key.kind, key.channel_id)
                return True
        return False
