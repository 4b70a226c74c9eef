"""Logs carry ids, surfaces, outcomes and timings, never message text, on every surface.

The production logging setup (``configure_logging``) is installed at its most verbose level,
then messages containing a distinctive phrase go through every surface, failures included.
"""

from __future__ import annotations

import pytest

from bot.console import slack_requests as payloads
from tests.helpers.fake_slack import RESPONSE_URL_METHOD, FakeSlack
from tests.helpers.logs import debug_log_stream
from tests.helpers.slack_app import free_port, served_app, socket_mode_app

PHRASE = "quokka marmalade sunrise"
BOT = "UBOT0001"


class JsonLines:
    """A JSON log stream read back as ``key=value`` lines, so the same checks apply; every line
    must be one JSON object, and the raw text is what the leak checks see too."""

    def __init__(self, stream) -> None:
        self.stream = stream

    def getvalue(self) -> str:
        import json

        raw = self.stream.getvalue()
        lines = []
        for line in raw.splitlines():
            record = json.loads(line)
            assert {"time", "level", "pid", "logger"} <= set(record), line
            lines.append(" ".join(f"{k}={v}" for k, v in record.items()))
        return raw + "\n" + "\n".join(lines)


@pytest.fixture(params=["text", "json"])
def log_stream(request):
    with debug_log_stream(request.param) as stream:
        yield stream if request.param == "text" else JsonLines(stream)


def test_no_message_text_in_logs_on_any_surface(log_stream):
    good = f"{PHRASE} is great and wonderful"
    with served_app() as s:
        # Slash command: private, public, help, model failure, response_url failure.
        s.command(good)
        s.command(f"--public {good}")
        s.command(f"explode {PHRASE}")
        s.fake.fail(RESPONSE_URL_METHOD, status=404, error="expired_url")
        s.command(good)
        s.fake.wait_for(RESPONSE_URL_METHOD, count=4)
        # Mentions: with text, bare in a thread whose parent holds the phrase, Slack errors.
        s.send_event(payloads.app_mention_event(f"<@{BOT}> {good}", channel="C1"))
        s.fake.add_message("C1", "900.000001", good)
        s.send_event(payloads.app_mention_event(f"<@{BOT}>", channel="C1", thread_ts="900.000001"))
        s.fake.fail("chat.postMessage", error="not_in_channel")
        s.send_event(payloads.app_mention_event(f"<@{BOT}> {good}", channel="C1"))
        # Channel messages: reaction, no reaction, Slack error, model failure, ignored bot.
        s.send_event(payloads.message_event(good))
        s.send_event(payloads.message_event(f"{PHRASE} at ten"))
        s.fake.fail("reactions.add", status=500, times=2)
        s.send_event(payloads.message_event(f"{good} again"))
        s.send_event(payloads.message_event(f"explode {PHRASE}"))
        s.send_event(payloads.message_event(good, bot_id="B1"))
        # Redelivery, bad signature, unknown command.
        again = payloads.message_event(good)
        s.send_event(again, event_id="EvLOGDUP1")
        s.send_event(again, event_id="EvLOGDUP1", **{"X-Slack-Retry-Num": "1"})
        body = payloads.json_body(payloads.event_callback(payloads.message_event(good)))
        s.post(body, "application/json", payloads.sign("wrong", body))
        fields = payloads.slash_command(good, response_url=s.fake.response_url(), command="/other")
        s.post(payloads.form_body(fields), "application/x-www-form-urlencoded")
        s.settle()
        assert len(s.fake.calls("chat.postMessage")) == 3

    with socket_mode_app() as (ws, fake, pool):
        fields = payloads.slash_command(good, response_url=fake.response_url())
        ws.ack_for(ws.send("slash_commands", fields))
        event = payloads.event_callback(payloads.app_mention_event(f"<@{BOT}> {good}"))
        ws.ack_for(ws.send("events_api", event))
        fake.wait_for("chat.postMessage")
        fake.wait_for(RESPONSE_URL_METHOD)
        assert pool.wait_idle(5)

    logs = log_stream.getvalue()
    # The logs did record the work, with ids and outcomes...
    assert "surface=command" in logs and "surface=mention" in logs and "surface=message" in logs
    assert "outcome=reacted" in logs and "error=not_in_channel" in logs
    assert "error=RuntimeError" in logs and "duplicate_dropped" in logs
    # ...and never the text.
    for word in PHRASE.split():
        leaks = [line for line in logs.splitlines() if word in line]
        assert not leaks, f"message text leaked into the logs: {leaks[:3]}"


def test_no_text_user_id_or_secret_url_in_logs_on_mood_surfaces(log_stream, tmp_path, clock):
    """Counting, flushes, /sentiment mood (private, public, refused, usage, upload failure),
    optout/optin, mood off/on, closing days, retention, and a database that is down."""
    people = ["UQUOKKA01", "UQUOKKA02", "UQUOKKA03", "UQUOKKA04"]
    fake = FakeSlack()
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    with served_app(database_url=url, clock=clock, fake=fake, mood_retention_days=2) as s:
        fake.set_members("C0000SUP", [fake.bot_user_id, *people], name="support")
        for n, person in enumerate(people * 2):
            text = f"{PHRASE} is {'great and wonderful' if n % 2 else 'awful and broken'}"
            s.send_event(payloads.message_event(text, user=person, channel="C0000SUP"))
        s.settle()
        assert s.mood.recorder.flush()
        for text in ("optout", "optin", "mood off", "mood on"):
            s.command(text, user_id=people[0], channel_id="C0000SUP")
        clock.advance(days=2)
        s.mood.maintain()  # closes the day: author hashes and keys deleted
        s.command("mood 7d", user_id=people[1], channel_id="C0000SUP")
        s.command("mood <#C0000SUP|support> --public", user_id=people[1])
        s.command("mood <#C0000HR1|hr>", user_id=people[2])
        s.command("mood 14d", user_id=people[2])
        fake.fail("files.completeUploadExternal", error="internal_error")
        s.command("mood 30d", user_id=people[3], channel_id="C0000SUP")
        s.send_event(  # a message of a day that is closed by now
            payloads.message_event(f"{PHRASE} great", user=people[3], ts="1000000000.000001")
        )
        s.settle()
        clock.advance(days=5)
        s.mood.maintain()  # retention deletes the day
        assert len(fake.calls(RESPONSE_URL_METHOD)) == 9
    down = f"postgresql://bot@127.0.0.1:{free_port()}/mood?password=hunter2-db-secret"
    with served_app(database_url=down) as s:
        s.send_event(payloads.message_event(f"{PHRASE} great", user=people[0]))
        s.command("mood", user_id=people[0])
        s.command("optout", user_id=people[0])
        s.settle()
        assert len(s.fake.calls(RESPONSE_URL_METHOD)) == 2

    logs = log_stream.getvalue()
    for expected in (
        "mood_flushed",
        "mood_retention deleted_rows=1",
        "mood_late count=1",
        "outcome=replied detail=mood_7d_private",
        "database_unavailable",
        "mood_summary_failed",
        "mood_command_failed action=optout",
    ):
        assert expected in logs, expected
    secrets = [*PHRASE.split(), *people, "/response/", "/upload/", "hunter2-db-secret"]
    for secret in secrets:
        leaks = [line for line in logs.splitlines() if secret in line]
        assert not leaks, f"{secret!r} leaked into the logs: {leaks[:3]}"
