"""One counting rule: the live message listener and the history backfill count the same
messages (``bot.mood.counting``), threads and broadcasts included."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.backfill.job import BackfillJob
from bot.deps import Deps
from bot.listeners.messages import handle_message
from bot.mood import counting
from bot.mood.tally import DayTally
from bot.mood.workspace import Workspace
from bot.settings import Settings
from bot.slack.permissions import AdminCheck
from tests.helpers.slack_app import KeywordPredictor

WS = Workspace("T0000FAKE")
CHANNEL = "C0COUNT01"
BOT = "UBOT0001"
NOW = datetime(2026, 3, 5, 12, tzinfo=UTC)
TS = f"{datetime(2026, 3, 5, 9, tzinfo=UTC).timestamp():.6f}"

MESSAGES = {
    "plain": {"user": "U1", "text": "great work team today"},
    "negative": {"user": "U2", "text": "this is awful and broken"},
    "leaning": {"user": "U3", "text": "standup at ten today"},
    "bot": {"user": BOT, "text": "great", "bot_id": "BBOT0001"},
    "self": {"user": BOT, "text": "great work team"},
    "join": {"user": "U5", "text": "great", "subtype": "channel_join"},
    "opted_out": {"user": "UOPTOUT1", "text": "great work team today"},
    "mention": {"user": "U1", "text": f"<@{BOT}> great work team"},
    "thread_reply": {"user": "U6", "text": "great work team today", "thread_ts": "1.000001"},
    "broadcast": {
        "user": "U4",
        "text": "great news everyone",
        "thread_ts": "1.000001",
        "subtype": "thread_broadcast",
    },
    "no_words": {"user": "U4", "text": "   "},
}


class RecordingMood:
    """The part of MoodService the listener uses; records what it was asked to count."""

    def __init__(self) -> None:
        self.counted: list[tuple[str, int]] = []

    def opted_out(self, workspace: Workspace, user_id: str | None) -> bool:
        return user_id == "UOPTOUT1"

    def count(self, workspace, channel_id, ts, user_id, prediction, verdict) -> bool:
        sign = counting.counted_sign(prediction, verdict)
        if sign is not None:
            self.counted.append((user_id, sign))
        return sign is not None


def _live(settings: Settings) -> list[tuple[str, int]]:
    mood = RecordingMood()
    deps = Deps(
        settings=settings,
        predictor=KeywordPredictor(),
        admins=AdminCheck(settings),
        mood=mood,  # type: ignore[arg-type]
    )
    for n, message in enumerate(MESSAGES.values()):
        event = {**message, "channel": CHANNEL, "channel_type": "channel", "ts": f"{TS[:-1]}{n}"}
        handle_message(event, None, BOT, _NoSlack(), deps, WS)  # type: ignore[arg-type]
    return sorted(mood.counted)


class _NoSlack:
    def reactions_add(self, **_kwargs):
        return {"ok": True}


def _backfilled(settings: Settings) -> list[tuple[str, int]]:
    job = BackfillJob(
        settings,
        None,
        None,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        KeywordPredictor(),
        workspace=WS,
        channel_id=CHANNEL,
        bot_user_id=BOT,
        opted_out=lambda _ws, user: user == "UOPTOUT1",
        owner="test",
        clock=lambda: NOW,
    )
    history = [{**m, "ts": f"{TS[:-1]}{n}"} for n, m in enumerate(MESSAGES.values())]
    (tally,) = job._tally(history).values()
    return tally


@pytest.mark.parametrize("react_in_threads", [True, False])
@pytest.mark.parametrize("reactions_enabled", [True, False])
def test_live_and_backfill_count_the_same_messages(react_in_threads, reactions_enabled):
    settings = Settings(react_in_threads=react_in_threads, reactions_enabled=reactions_enabled)
    live = _live(settings)
    tally = _backfilled(settings)
    assert tally.messages == len(live)
    assert tally.positive == sum(1 for _, sign in live if sign > 0)
    assert tally.negative == sum(1 for _, sign in live if sign < 0)
    assert tally.authors == {user for user, _ in live}
    # plain, negative, leaning and the broadcast always; the thread reply only with threads on
    expected = {"U1", "U2", "U3", "U4"} | ({"U6"} if react_in_threads else set())
    assert tally.authors == expected and tally.messages == len(expected)


def test_channel_lists_apply_to_backfill_too():
    denied = Settings(reaction_channels_deny=frozenset({CHANNEL}))
    assert _live(denied) == []
    assert _backfilled_or_none(denied) is None
    elsewhere = Settings(reaction_channels=frozenset({"C0OTHER01"}))
    assert _live(elsewhere) == [] and _backfilled_or_none(elsewhere) is None


def _backfilled_or_none(settings: Settings):
    try:
        return _backfilled(settings)
    except ValueError:  # nothing counted: no day tallied
        return None


def test_a_tally_adds_the_probabilities_and_the_confident_sign():
    tally = DayTally()
    counting.grow(tally, "U1", {"positive": 0.9, "negative": 0.05, "neutral": 0.05}, 1)
    counting.grow(tally, "U2", {"positive": 0.1, "negative": 0.8, "neutral": 0.1}, -1)
    counting.grow(tally, "U1", {"positive": 0.2, "negative": 0.2, "neutral": 0.6}, 0)
    assert (tally.messages, tally.positive, tally.negative) == (3, 1, 1)
    assert tally.sums.messages == 3 and tally.authors == {"U1", "U2"}
    assert tally.sums.sum_p == pytest.approx((1.2, 1.05, 0.75))
    assert tally.sums.sum_p2[2] == pytest.approx(0.05**2 + 0.1**2 + 0.6**2)


def test_channel_allowed_reads_both_lists():
    assert counting.channel_allowed(Settings(), "C1")
    assert not counting.channel_allowed(Settings(reaction_channels=frozenset({"C2"})), "C1")
    assert not counting.channel_allowed(Settings(reaction_channels_deny=frozenset({"C1"})), "C1")
