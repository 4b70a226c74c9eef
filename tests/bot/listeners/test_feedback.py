"""Feedback on verdicts as Slack drives it: the buttons on each surface, a press, the thanks.

Signed HTTP requests (and a Socket Mode envelope) into the real app; the fake Web API answers
``chat.update``/``views.update`` and records ``response_url`` posts; the counts land in SQLite
and PostgreSQL. Ephemeral presses come without the message, as Slack sends them.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import insert

from bot.feedback import buttons, store
from bot.feedback.store import BucketCount
from bot.mood.workspace import Workspace
from bot.storage.schema import feedback_counts
from tests.helpers import slack_requests as payloads
from tests.helpers.fake_slack import RESPONSE_URL_METHOD
from tests.helpers.mood_rows import all_rows
from tests.helpers.slack_app import served_app, socket_mode_app, wait_until

TEAM = "T0000FAKE"
WS = Workspace(TEAM)
CHANNEL = "C0FEEDBK1"
PRESSER = "UPRESSER1"
ASKER = "UASKER001"


def _obj(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _feedback_values(blocks: list[dict]) -> tuple[str, str]:
    (block,) = [b for b in blocks if b["type"] == "context_actions"]
    (element,) = block["elements"]
    assert element["type"] == "feedback_buttons" and element["action_id"] == buttons.ACTION_ID
    return element["positive_button"]["value"], element["negative_button"]["value"]


def _press(
    value: str,
    container: dict,
    *,
    team_id: str = TEAM,
    enterprise_id: str | None = None,
    response_url: str | None = None,
    message: dict | None = None,
    view: dict | None = None,
    action_id: str = buttons.ACTION_ID,
    action_type: str = "feedback_buttons",
) -> dict:
    """A ``block_actions`` payload for one press, shaped like Slack's."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": team_id, "domain": "fake"},
        "user": {"id": PRESSER, "username": "presser", "team_id": team_id, "name": "presser"},
        "api_app_id": "A0000FAKE",
        "token": "legacy-verification-token",
        "container": container,
        "trigger_id": f"{time.time_ns()}.trigger",
        "is_enterprise_install": False,
        "enterprise": {"id": enterprise_id, "name": "Grid"} if enterprise_id else None,
        "actions": [
            {
                "type": action_type,
                "action_id": action_id,
                "block_id": buttons.BLOCK_ID,
                "value": value,
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    if response_url:
        payload["response_url"] = response_url
    if message is not None:
        payload["message"] = message
        payload["channel"] = {"id": container.get("channel_id"), "name": "general"}
    if view is not None:
        payload["view"] = view
    return payload


def _send(served, payload: dict) -> int:
    status, body = served.post(
        payloads.interactive_body(payload), "application/x-www-form-urlencoded"
    )
    assert body == ""
    return status


def _ephemeral(ts: str | None = None) -> dict:
    return {
        "type": "message",
        "message_ts": ts or payloads.new_ts(),
        "channel_id": CHANNEL,
        "is_ephemeral": True,
    }


def _no_buttons(blocks: list[dict]) -> bool:
    kinds = {b["type"] for b in blocks}
    return not kinds & {"context_actions", "actions"}


def _thanked(blocks: list[dict]) -> bool:
    shown = json.dumps(blocks, ensure_ascii=False)
    return buttons.THANKS in shown and _no_buttons(blocks)


@pytest.fixture
def served(database_url):
    with served_app(database_url=database_url) as served:
        yield served


@pytest.fixture
def served_sqlite(tmp_path):
    with served_app(database_url=f"sqlite:///{tmp_path / 'bot.sqlite3'}") as served:
        yield served


def _command_values(served, text: str) -> tuple[dict, tuple[str, str]]:
    served.command(text, channel_id=CHANNEL, user_id=ASKER)
    (answer,) = served.fake.wait_for(RESPONSE_URL_METHOD)
    served.settle()
    served.fake.clear()
    return answer.params, _feedback_values(answer.params["blocks"])


def test_ephemeral_command_answer_counts_one_press_and_thanks(served):
    answer, (agree, _disagree) = _command_values(served, "what a wonderful and happy day")
    assert answer["response_type"] == "ephemeral"
    press = _press(agree, _ephemeral(), response_url=served.fake.response_url("press1"))
    assert _send(served, press) == 200
    assert _send(served, press) == 200  # a double click
    served.settle()
    assert store.counts(served.mood.engine, WS) == [BucketCount("positive", 90, 1, 0)]
    (replaced,) = served.fake.calls(RESPONSE_URL_METHOD)
    assert replaced.path.endswith("press1")
    assert replaced.params["replace_original"] is True
    assert replaced.params["response_type"] == "ephemeral"
    blocks = replaced.params["blocks"]
    assert _thanked(blocks) and "*Positive*" in blocks[0]["text"]["text"]  # the verdict stays
    assert not served.fake.calls("chat.update")


def test_public_command_answer_keeps_its_blocks_and_counts_a_disagreement(served_sqlite):
    served = served_sqlite
    answer, (_agree, disagree) = _command_values(
        served, "--public this build is terrible and broken"
    )
    assert answer["response_type"] == "in_channel"
    ts = payloads.new_ts()
    container = {"type": "message", "message_ts": ts, "channel_id": CHANNEL, "is_ephemeral": False}
    message = {"type": "message", "ts": ts, "text": answer["text"], "blocks": answer["blocks"]}
    press = _press(
        disagree, container, response_url=served.fake.response_url("pub"), message=message
    )
    assert _send(served, press) == 200
    served.settle()
    assert store.counts(served.mood.engine, WS) == [BucketCount("negative", 90, 0, 1)]
    # Slack's response_url posts are not messages the fake knows: chat.update fails, and the
    # response_url replaces the original instead, with every block but the buttons kept.
    assert [c.ok for c in served.fake.calls("chat.update")] == [False]
    (replaced,) = served.fake.calls(RESPONSE_URL_METHOD)
    assert replaced.params["replace_original"] is True
    assert replaced.params["response_type"] == "in_channel"
    kept = [b for b in answer["blocks"] if b["type"] != "context_actions"]
    assert replaced.params["blocks"][: len(kept)] == kept
    assert _thanked(replaced.params["blocks"])


def _mention_reply(served, text: str) -> tuple[str, dict]:
    """Mention the bot in a channel message; return the message ts and the bot's reply."""
    parent_ts = payloads.new_ts()
    served.fake.add_message(CHANNEL, parent_ts, text, user=ASKER)
    event = payloads.app_mention_event(
        f"<@{served.fake.bot_user_id}> {text}", channel=CHANNEL, user=ASKER, ts=parent_ts
    )
    assert served.send_event(event)[0] == 200
    (post,) = served.fake.wait_for("chat.postMessage")
    served.settle()
    client = WebClient(token="xoxb-test-token", base_url=served.fake.base_url)
    thread = client.conversations_replies(channel=CHANNEL, ts=parent_ts)["messages"]
    (reply,) = [m for m in thread if m["ts"] != parent_ts]
    reply = dict(reply, blocks=post.params["blocks"], text=post.params["text"])
    served.fake.clear()
    return parent_ts, reply


def test_mention_reply_is_updated_in_place_once(served):
    parent_ts, reply = _mention_reply(served, "the demo was great")
    agree, _ = _feedback_values(reply["blocks"])
    container = {
        "type": "message",
        "message_ts": reply["ts"],
        "channel_id": CHANNEL,
        "is_ephemeral": False,
        "thread_ts": parent_ts,
    }
    press = _press(agree, container, response_url=served.fake.response_url("m"), message=reply)
    for _ in range(3):
        assert _send(served, press) == 200
    served.settle()
    assert store.counts(served.mood.engine, WS) == [BucketCount("positive", 80, 1, 0)]
    (update,) = served.fake.calls("chat.update")
    assert update.ok and update.params["ts"] == reply["ts"] and update.params["channel"] == CHANNEL
    assert _thanked(update.params["blocks"])
    assert "*great*" in json.dumps(update.params["blocks"])  # the verdict and key words stay
    assert not served.fake.calls(RESPONSE_URL_METHOD)


def test_reactions_and_replies_without_a_verdict_carry_no_buttons(served_sqlite):
    served = served_sqlite
    event = payloads.message_event("the demo was great wonderful and happy", channel=CHANNEL)
    served.send_event(event)
    served.fake.wait_for("reactions.add")
    served.send_event(payloads.app_mention_event(f"<@{served.fake.bot_user_id}>"))  # help
    served.command("help")
    served.command("zzfoo zzbar zzbaz zzqux great")  # I can't tell
    served.fake.wait_for(RESPONSE_URL_METHOD, 2)
    served.fake.wait_for("chat.postMessage")
    served.settle()
    calls = served.fake.calls()
    assert not any("context_actions" in json.dumps(c.params) for c in calls)
    assert not any(buttons.BLOCK_ID in json.dumps(c.params) for c in calls)


def test_shortcut_modal_has_plain_buttons_and_is_updated(served_sqlite):
    served = served_sqlite
    message = {"type": "message", "user": ASKER, "text": "awful and boring", "ts": "1.000001"}
    payload = payloads.message_action(
        message, response_url=served.fake.response_url("sc"), channel_id=CHANNEL
    )
    served.post(payloads.interactive_body(payload), "application/x-www-form-urlencoded")
    (opened,) = served.fake.wait_for("views.open")
    served.settle()
    view = _obj(opened.params["view"])
    (actions,) = [b for b in view["blocks"] if b["type"] == "actions"]
    assert not [b for b in view["blocks"] if b["type"] == "context_actions"]
    agree, disagree = actions["elements"]
    assert agree["type"] == disagree["type"] == "button"
    served.fake.clear()
    served.fake.fail("views.update", delay=1.5)  # the ack must not wait for it
    shown = dict(view, id="V0000MODAL", hash="1712.abc", team_id=TEAM)
    press = _press(
        disagree["value"],
        {"type": "view", "view_id": "V0000MODAL"},
        view=shown,
        action_id=disagree["action_id"],
        action_type="button",
    )
    started = time.monotonic()
    assert _send(served, press) == 200 and _send(served, press) == 200
    assert time.monotonic() - started < 1.0
    served.settle()
    assert store.counts(served.mood.engine, WS) == [BucketCount("negative", 90, 0, 1)]
    (update,) = served.fake.calls("views.update")
    assert update.ok and update.params["view_id"] == "V0000MODAL"
    assert update.params["hash"] == "1712.abc"
    updated = _obj(update.params["view"])
    assert updated["type"] == "modal" and updated["title"] == view["title"]
    assert _thanked(updated["blocks"]) and "Negative" in json.dumps(updated["blocks"])


def test_a_press_in_one_workspace_never_changes_anothers(served_sqlite):
    served = served_sqlite
    _answer, (agree, disagree) = _command_values(served, "this is really great")
    a, grid, b = Workspace("T0000AAAA"), Workspace("T0000AAAA", "E0000GRID"), Workspace("T0000BBBB")
    _send(served, _press(disagree, _ephemeral(), team_id=b.team_id, response_url="http://x/1"))
    served.settle()
    before_b = store.counts(served.mood.engine, b)
    for i in range(3):
        url = served.fake.response_url(f"a{i}")
        _send(served, _press(agree, _ephemeral(), team_id=a.team_id, response_url=url))
    url = served.fake.response_url("grid")
    _send(served, _press(agree, _ephemeral(), team_id="T0000AAAA", enterprise_id="E0000GRID",
                         response_url=url))  # fmt: skip
    served.settle()
    engine = served.mood.engine
    assert store.counts(engine, b) == before_b == [BucketCount("positive", 80, 0, 1)]
    assert store.counts(engine, a) == [BucketCount("positive", 80, 3, 0)]
    assert store.counts(engine, grid) == [BucketCount("positive", 80, 1, 0)]
    assert store.counts(engine, WS) == []


def test_the_database_holds_only_counts_after_presses(database_url, tmp_path):
    secrets = ["what a wonderful and happy day", "the demo was great", "awful and boring"]
    with served_app(database_url=database_url) as served:
        _answer, (agree, _) = _command_values(served, secrets[0])
        eph_ts = payloads.new_ts()
        response_url = served.fake.response_url("privacy")
        _send(served, _press(agree, _ephemeral(eph_ts), response_url=response_url))
        parent_ts, reply = _mention_reply(served, secrets[1])
        container = {
            "type": "message",
            "message_ts": reply["ts"],
            "channel_id": CHANNEL,
            "is_ephemeral": False,
        }
        _send(served, _press(_feedback_values(reply["blocks"])[1], container, message=reply))
        shortcut = {"type": "message", "user": ASKER, "text": secrets[2], "ts": payloads.new_ts()}
        served.post(
            payloads.interactive_body(
                payloads.message_action(shortcut, response_url=response_url, channel_id=CHANNEL)
            ),
            "application/x-www-form-urlencoded",
        )
        view = _obj(served.fake.wait_for("views.open")[0].params["view"])
        (actions,) = [b for b in view["blocks"] if b["type"] == "actions"]
        button = actions["elements"][0]
        modal = dict(view, id="V0PRIVACY", hash="h")
        press = _press(
            button["value"],
            {"type": "view", "view_id": "V0PRIVACY"},
            view=modal,
            action_id=button["action_id"],
            action_type="button",
        )
        _send(served, press)
        served.settle()
        engine = served.mood.engine
        assert sum(c.agreed + c.disagreed for c in store.counts(engine, WS)) == 3
        rows = all_rows(engine)
        assert rows["feedback_counts"]
        dump = repr(rows)
        ids = [PRESSER, ASKER, CHANNEL, eph_ts, parent_ts, reply["ts"], shortcut["ts"]]
        ids += ["V0PRIVACY", response_url, "privacy"]
        words = [w for text in secrets for w in text.split() if len(w) > 3]
        for secret in [*secrets, *ids, *words]:
            assert secret not in dump
        for name, table in rows.items():
            if name not in {"feedback_counts", "alembic_version"}:
                assert table == [], name  # nothing else was written by a press
    if database_url.startswith("sqlite"):
        raw = b"".join(p.read_bytes() for p in tmp_path.glob("bot.sqlite3*"))
        for secret in [*secrets, *ids]:
            assert secret.encode() not in raw


def _seed(engine, rows: list[tuple[str, int, int, int]], workspace: Workspace = WS) -> None:
    with engine.begin() as connection:
        connection.execute(
            insert(feedback_counts),
            [
                {
                    "team_id": workspace.team_id,
                    "enterprise_id": workspace.enterprise_id,
                    "verdict": verdict,
                    "bucket": bucket,
                    "agreed": agreed,
                    "disagreed": disagreed,
                }
                for verdict, bucket, agreed, disagreed in rows
            ],
        )


def _home_text(served) -> str:
    event = payloads.event_callback(payloads.app_home_opened_event(user="UVIEWER01"))
    served.post(payloads.json_body(event), "application/json")
    (call,) = served.fake.wait_for("views.publish")
    served.settle()
    return json.dumps(_obj(call.params["view"]), ensure_ascii=False)


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([("positive", 90, 50, 30), ("negative", 90, 10, 10)], "*over-confident*"),
        ([("positive", 50, 60, 2), ("negative", 50, 35, 3)], "*under-confident*"),
        ([("positive", 70, 40, 14), ("neutral", 70, 36, 10)], "*about right*"),
        ([("positive", 90, 3, 1)], "With 50 ratings"),
        ([], "No one has rated a verdict here yet"),
    ],
)
def test_home_tab_says_how_people_rated_the_verdicts(served_sqlite, rows, expected):
    served = served_sqlite
    if rows:
        _seed(served.mood.engine, rows)
    _seed(served.mood.engine, [("positive", 90, 0, 500)], Workspace("T0000OTHR"))  # not here
    text = _home_text(served)
    assert expected in text
    if rows:
        agreed = sum(r[2] for r in rows)
        rated = agreed + sum(r[3] for r in rows)
        assert f"People agreed with {agreed} of {rated} rated verdicts here." in text


def test_home_tab_minimum_is_a_setting(tmp_path):
    with served_app(
        database_url=f"sqlite:///{tmp_path / 'bot.sqlite3'}", feedback_min_ratings=4
    ) as served:
        _seed(served.mood.engine, [("positive", 90, 1, 3)])
        assert "*over-confident*" in _home_text(served)


def test_a_press_over_socket_mode(tmp_path):
    url = f"sqlite:///{tmp_path / 'socket.sqlite3'}"
    with socket_mode_app(database_url=url) as (ws, fake, pool):
        fields = payloads.slash_command(
            "this is really great", response_url=fake.response_url("sock")
        )
        ws.ack_for(ws.send("slash_commands", fields))
        (answer,) = fake.wait_for(RESPONSE_URL_METHOD)
        agree, _ = _feedback_values(answer.params["blocks"])
        press = _press(agree, _ephemeral(), response_url=fake.response_url("sockpress"))
        ack = ws.ack_for(ws.send("interactive", press))
        assert not ack.get("payload")
        engine = ws.mood.engine
        assert wait_until(lambda: store.counts(engine, WS) == [BucketCount("positive", 80, 1, 0)])
        assert pool.wait_idle(10)
        replaced = fake.wait_for(RESPONSE_URL_METHOD, 2)[-1]
        assert replaced.params["replace_original"] is True and _thanked(replaced.params["blocks"])
