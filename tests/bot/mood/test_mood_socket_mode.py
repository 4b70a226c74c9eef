"""The mood record over Socket Mode: messages counted, then ``/sentiment mood`` with its chart."""

from __future__ import annotations

from datetime import timedelta

from bot.console import slack_requests as payloads
from bot.mood import store
from tests.bot.mood.test_mood_app import NEGATIVE, POSITIVE, TEAM, USERS
from tests.helpers.slack_app import socket_mode_app


def test_counts_and_answers_mood_over_socket_mode(database_url, clock):
    with socket_mode_app(database_url=database_url, clock=clock) as (ws, fake, pool):
        for n, user in enumerate(USERS * 2):
            text = (NEGATIVE if n % 3 == 0 else POSITIVE) + f" {n}"
            event = payloads.event_callback(payloads.message_event(text, user=user))
            ws.ack_for(ws.send("events_api", event))
        assert pool.wait_idle(10)
        fake.wait_for("reactions.add", count=8)
        assert ws.mood.recorder.flush()
        clock.advance(days=2)
        ws.mood.maintain()
        (day,) = store.channel_days(
            ws.mood.engine, TEAM, "C0000GEN", clock().date() - timedelta(days=5), clock().date()
        )
        assert (day.messages, day.negative, day.authors) == (8, 3, 4)

        fields = payloads.slash_command("mood 90d", response_url=fake.response_url())
        ws.ack_for(ws.send("slash_commands", fields))
        (answer,) = fake.wait_for("response_url", timeout=10)
        assert answer.params["response_type"] == "ephemeral"
        assert "8 messages counted" in answer.params["text"]
        fake.wait_for("files.completeUploadExternal", timeout=10)
        (upload,) = fake.files.values()
        assert upload.data.startswith(b"\x89PNG") and upload.channel_id.startswith("D")
