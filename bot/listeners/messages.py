"""Channel messages: react with an emoji when the model is confident, stay quiet otherwise.

Most chat is neutral ("standup at 10"), so a reaction needs a confident prediction
(``REACTION_THRESHOLD``) based on enough known words (``MIN_KNOWN_WORDS``, ``MIN_KNOWN_SHARE``).
Messages that mention the bot are left to the app_mention listener, which replies instead:
Slack delivers a mention twice (as ``app_mention`` and as ``message``), and the person should
get exactly one answer, not a reply plus a reaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot import replies
from bot.deps import Deps, handling
from bot.mood import counting
from bot.mood.workspace import Workspace
from bot.slack import web_api as slack_api
from bot.slack.ratelimit import workspace_key
from model.verdict import Verdict

NO_WORKSPACE = Workspace("")


def handle_message(
    event: Mapping[str, Any],
    event_id: str | None,
    bot_user_id: str | None,
    client: WebClient,
    deps: Deps,
    workspace: Workspace = NO_WORKSPACE,
) -> None:
    """React to one channel message if the bot is confident about it; count it for the mood.

    What is skipped and what is counted is ``bot.mood.counting``'s rule (backfill uses it too);
    ``REACTIONS_ENABLED`` only stops the reaction.
    """
    channel = event.get("channel")
    mood = deps.mood
    with handling("message", event_id, channel) as outcome:

        def opted_out(user_id: str | None) -> bool:
            return mood is not None and mood.opted_out(workspace, user_id)

        text, reason = counting.text_to_judge(event, bot_user_id, deps.settings, opted_out)
        if not text:
            outcome.set("skipped", reason)
            return
        prediction = deps.predict(text)
        verdict = deps.settings.verdict_rule.decide(prediction)
        if mood is not None:
            mood.count(workspace, channel, event.get("ts"), event["user"], prediction, verdict)
        if not deps.settings.reactions_enabled:
            outcome.set("skipped", "reactions_off")  # still counted for the mood record
            return
        if verdict is Verdict.UNSURE or verdict is Verdict.NO_WORDS:
            outcome.set(
                "no_reaction", f"few_known_words={prediction.known_words}/{prediction.words}"
            )
            return
        if verdict is Verdict.LEAN:
            _side, probability = replies.stated(prediction)  # what the threshold applies to
            outcome.set("no_reaction", f"confidence={probability:.2f}")
            return
        if verdict is Verdict.NEUTRAL:
            outcome.set("no_reaction", "neutral")  # three-way: no feeling, so no emoji
            return
        budget = deps.reactions
        if budget is not None and not budget.take(workspace_key(*workspace)):
            outcome.set("skipped", "reaction_budget")  # counted for the mood above
            return
        emoji = replies.reaction_for(prediction, deps.settings)
        ok, result = slack_api.call(
            "reactions.add",
            lambda: client.reactions_add(channel=channel, timestamp=event["ts"], name=emoji),
            event_id=event_id,
            ok_errors=("already_reacted",),
            readiness=deps.readiness,
        )
        outcome.set("reacted" if ok else "failed", f"emoji={emoji}" if ok else f"error={result}")


def register(app: App, deps: Deps) -> None:
    """Listen to every ``message`` event; housekeeping subtypes are filtered in the handler.

    The ack runs on the request thread, the reaction work on the listener pool.
    """

    @app.event("message")
    def on_message(
        ack: Ack, body: dict, event: dict, context: BoltContext, client: WebClient
    ) -> None:
        ack()
        workspace = Workspace.of(body, context.team_id, context.enterprise_id)
        event_id, bot_user_id = body.get("event_id"), context.bot_user_id
        deps.after_ack(handle_message, event, event_id, bot_user_id, client, deps, workspace)
