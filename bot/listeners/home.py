"""The App Home tab: ``app_home_opened`` -> ``views.publish``, and its opt-out button.

The viewer sees how many channels the workspace tracks, naming the tracked and switched-off
ones they are a member of, and the 30-day mood of every channel the bot counts in that they
are a member of
(``users.conversations`` for the viewer, intersected with the channels that have counts), with
the minimum group size applied as in ``/sentiment mood``; their own opt-out state with a button
(a ``block_actions`` payload) that flips it; and what is stored. Charts are Slack's own data
visualization blocks in the view (``bot.home.view``): nothing is uploaded, and every viewer can
see them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.deps import Deps, handling
from bot.feedback.calibration import home_line
from bot.home.view import (
    OPT_IN_ACTION,
    OPT_OUT_ACTION,
    PERIOD_DAYS,
    ChannelMood,
    home_view,
)
from bot.mood.overview import tracking_overview
from bot.mood.replies import channel_list, stored_statement
from bot.mood.workspace import Workspace
from bot.slack import web_api as slack_api

log = logging.getLogger("bot.home")

MAX_MEMBERSHIP_PAGES = 10  # 10 x 1,000 channels is plenty for one person


def viewer_channels(client: WebClient, user_id: str, request_id: str | None) -> set[str] | None:
    """Channels (public and private the bot shares) the viewer is a member of; None on error."""
    found: set[str] = set()
    cursor = None
    for _page in range(MAX_MEMBERSHIP_PAGES):
        ok, response = slack_api.call(
            "users.conversations",
            lambda cursor=cursor: client.users_conversations(
                user=user_id,
                types="public_channel,private_channel",
                exclude_archived=True,
                limit=1000,
                cursor=cursor,
            ),
            event_id=request_id,
        )
        if not ok:
            return None
        found.update(c.get("id") for c in response.get("channels") or [] if c.get("id"))
        cursor = (response.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            break
    return found


def channel_moods(deps: Deps, workspace: Workspace, member_of: set[str]) -> list[ChannelMood]:
    """Summaries of the tracked channels the viewer is in."""
    from bot.mood.store import tracked_channels  # SQLAlchemy: on the first Home tab

    mood = deps.mood
    since = mood.last_closed_day() - timedelta(days=2 * PERIOD_DAYS - 1)
    tracked = tracked_channels(mood.engine, workspace, since)
    out = []
    for channel_id in tracked:
        if channel_id not in member_of or not mood.counting(workspace, channel_id):
            continue
        out.append(ChannelMood(channel_id, mood.summary(workspace, channel_id, PERIOD_DAYS)))
    return out


def _agreement_line(deps: Deps, workspace: Workspace) -> str:
    """The Home tab's feedback line for ``workspace``; empty when the counts cannot be read."""
    if deps.mood is None:
        return ""
    from bot.feedback import store

    try:
        totals = store.totals(deps.mood.engine, workspace)
    except Exception as err:  # noqa: BLE001 - the Home tab goes on without the line
        log.warning("feedback_totals_failed error=%s", type(err).__name__)
        return ""
    return home_line(totals, deps.settings.feedback_min_ratings)


def home_tracked_line(tracked: list[str], switched_off: list[str], member_of: set[str]) -> str:
    """How many channels the workspace tracks, naming only the viewer's own (as on the rest of
    the Home tab, nobody learns of a channel they are not in)."""
    mine = [c for c in tracked if c in member_of]
    off = [c for c in switched_off if c in member_of]
    line = (
        f"*Tracked channels:* {len(tracked):,} in this workspace; yours: "
        f"{channel_list(mine, 'none')}."
    )
    return line + (f" Switched off in yours: {channel_list(off, '')}." if off else "")


def publish_home(
    client: WebClient, deps: Deps, workspace: Workspace, user_id: str, request_id: str | None
) -> str:
    """Build and publish one viewer's Home tab; returns the outcome for the log line."""
    member_of = viewer_channels(client, user_id, request_id)
    if member_of is None:
        member_of = set()
    moods = channel_moods(deps, workspace, member_of)
    opted_out = deps.mood.opted_out(workspace, user_id)
    statement = stored_statement(deps.settings, deps.mood.min_authors(workspace))
    overview = tracking_overview(deps.mood, workspace)
    tracked = home_tracked_line(overview.tracked, overview.switched_off, member_of)
    feedback_line = _agreement_line(deps, workspace)

    view = home_view(
        moods,
        opted_out=opted_out,
        stored_statement=statement,
        tracked_line=tracked,
        feedback_line=feedback_line,
    )
    ok, _ = slack_api.call(
        "views.publish",
        lambda: client.views_publish(user_id=user_id, view=view),
        event_id=request_id,
    )
    return f"published channels={len(moods)}" if ok else "failed"


def register(app: App, deps: Deps) -> None:
    """Listen to ``app_home_opened`` and the Home tab's opt-out/opt-in buttons.

    Each ack runs on the request thread; building and publishing the view
    runs on the listener pool, so Slack gets its answer at once.
    """

    def home_opened(body: dict, event: dict, client: WebClient, workspace: Workspace) -> None:
        with handling("home", body.get("event_id")) as outcome:
            if event.get("tab") != "home" or not event.get("user") or deps.mood is None:
                outcome.set("skipped", "not_home_tab")
                return
            outcome.set(publish_home(client, deps, workspace, event["user"], None))

    def opt(
        body: Mapping[str, Any], client: WebClient, workspace: Workspace, opt_out: bool
    ) -> None:
        user_id = (body.get("user") or {}).get("id")
        with handling("home_action", body.get("trigger_id")) as outcome:
            if not user_id or deps.mood is None:
                outcome.set("skipped", "no_user")
                return
            deps.mood.set_opted_out(workspace, user_id, opt_out)
            result = publish_home(client, deps, workspace, user_id, body.get("trigger_id"))
            outcome.set("opted_out" if opt_out else "opted_in", result)

    def workspace_of(body: dict, context: BoltContext) -> Workspace:
        return Workspace.of(body, context.team_id, context.enterprise_id)

    @app.event("app_home_opened")
    def on_home_opened(
        ack: Ack, body: dict, event: dict, context: BoltContext, client: WebClient
    ) -> None:
        ack()
        deps.after_ack(home_opened, body, event, client, workspace_of(body, context))

    @app.action(OPT_OUT_ACTION)
    def on_opt_out(ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
        ack()
        deps.after_ack(opt, body, client, workspace_of(body, context), True)

    @app.action(OPT_IN_ACTION)
    def on_opt_in(ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
        ack()
        deps.after_ack(opt, body, client, workspace_of(body, context), False)
