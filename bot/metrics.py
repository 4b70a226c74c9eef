"""The bot's Prometheus metrics, defined once here and counted by the modules that do the work.

A low-level module (standard library and ``prometheus_client`` only, no feature or runner), so
delivery, Slack, mood and the runners can all count into it. ``GET /metrics`` serves ``render()``.

Under gunicorn every worker is its own process: ``gunicorn.conf.py`` sets
``PROMETHEUS_MULTIPROC_DIR`` before anything imports ``prometheus_client``, each process then
writes its samples to files there, ``render()`` sums them over the live workers, and the
master's ``child_exit`` hook calls ``mark_process_dead`` so a dead worker's gauges go away.
One process (``python -m bot``) uses the ordinary in-memory registry.
"""

from __future__ import annotations

import os

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram

CONTENT_TYPE = CONTENT_TYPE_LATEST
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

# Acks must be well under Slack's 3 s; listener work can take a model call and a few Slack calls.
_ACK_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 3.0, 5.0)
_WORK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

EVENTS = Counter(
    "slackbot_events",
    "Deliveries handled by a listener, by surface and outcome.",
    ["surface", "outcome"],
)
ACK_SECONDS = Histogram(
    "slackbot_ack_seconds",
    "Time from a verified request (or Socket Mode envelope) to its ack.",
    ["mode"],
    buckets=_ACK_BUCKETS,
)
LISTENER_SECONDS = Histogram(
    "slackbot_listener_seconds",
    "Listener work after the ack, by surface.",
    ["surface"],
    buckets=_WORK_BUCKETS,
)
SLACK_CALLS = Counter("slackbot_slack_api_calls", "Slack Web API calls, by method.", ["method"])
SLACK_ERRORS = Counter(
    "slackbot_slack_api_errors",
    "Slack Web API calls that failed, by method and error code (or exception class).",
    ["method", "error"],
)
DEDUPE_DUPLICATES = Counter(
    "slackbot_dedupe_duplicates",
    "Deliveries dropped because they were already handled, by reason.",
    ["reason"],
)
DEDUPE_FALLBACKS = Counter(
    "slackbot_dedupe_fallbacks",
    "Times a record of handled events failed and a narrower one took over (store: the one "
    "that failed).",
    ["store"],
)
DEDUPE_DEGRADED = Gauge(
    "slackbot_dedupe_degraded",
    "1 while this process decides duplicates without its configured record, by fallback.",
    ["fallback"],
    multiprocess_mode="livemax",
)
MOOD_PENDING = Gauge(
    "slackbot_mood_pending",
    "Mood counts held in memory, not yet written to the database.",
    multiprocess_mode="livesum",
)
MOOD_WRITTEN = Counter("slackbot_mood_written", "Mood counts written to the database.")
MOOD_DROPPED = Counter(
    "slackbot_mood_dropped", "Mood counts dropped (MOOD_MAX_PENDING reached while it was down)."
)
DATABASE_UP = Gauge(
    "slackbot_database_up",
    "1 when this process's last database attempt worked, 0 while it retries.",
    multiprocess_mode="livemin",
)
DIGESTS = Counter(
    "slackbot_digests",
    "Digest and alert posts by outcome (sent, not_due, stale_skipped, failed_permanent, ...), "
    "counted by `python -m bot digest` and written with --metrics-file for a textfile collector.",
    ["kind", "outcome"],
)
BACKFILL_MESSAGES = Counter(
    "slackbot_backfill_messages", "Channel history messages read by backfill jobs."
)
APP_RATE_LIMITED = Counter(
    "slackbot_app_rate_limited",
    "app_rate_limited callbacks: Slack stopped sending events for a minute.",
)
WORK_SHED = Counter(
    "slackbot_work_shed",
    "Listener jobs dropped unrun because their workspace's queue (or the pool) was full, by "
    "kind (reaction: a channel message's reaction; reply: an answer to a person).",
    ["kind"],
)
REACTIONS_SKIPPED = Counter(
    "slackbot_reactions_skipped_budget",
    "Reactions not posted because the workspace spent its reactions.add budget (the message "
    "was still predicted and counted for the mood).",
)
DRAIN_ABANDONED = Counter(
    "slackbot_drain_abandoned",
    "Acked deliveries whose work did not reach Slack when a stopping process gave up on them.",
)


def write_textfile(path: str) -> None:
    """A one-shot job's metrics (the digest runner has nothing to scrape) as a Prometheus text
    file, for node_exporter's textfile collector; written to a temporary file, then renamed."""
    from prometheus_client import REGISTRY, write_to_textfile

    write_to_textfile(path, REGISTRY)


def render() -> bytes:
    """Every metric in Prometheus text format, summed over gunicorn's workers when there."""
    from prometheus_client import REGISTRY, CollectorRegistry, generate_latest

    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def process_exited(pid: int) -> None:
    """gunicorn's ``child_exit``: drop a dead worker's live gauges from the shared files."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)
