"""An Events API delivery is acked before Bolt's dispatch runs, on both HTTP servers.

Slack's answer to an event is always an empty 200, so the ack waits for nothing Bolt does:
the record of handled deliveries (a SQLite or Redis claim), the authorization (an installation
read) and the listener's ack function all run afterwards on the listener pool, in the event's
workspace queue, as in Socket Mode. Here the record is held shut: the event must still be acked
while its claim waits, and answered once the record opens. Before, the ack waited for the claim
(and, under gunicorn, for a free ack thread).
"""

from __future__ import annotations

import asyncio
import threading
import urllib.request

from bot.app import create_app
from bot.console import slack_requests as payloads
from bot.delivery.seen_events import MemorySeenEvents
from bot.listener_pool import ListenerPool
from bot.runners.asgi import create_asgi_app
from bot.runners.http import create_wsgi_app, make_http_server
from bot.slack.web_api import make_web_client
from tests.helpers.fake_slack import FakeSlack
from tests.helpers.slack_app import KeywordPredictor, make_settings, wait_until

HELD_AT_MOST = 20.0  # seconds the record stays shut if a test fails (never in a passing run)


class ShutRecord:
    """The record of handled deliveries, held shut until ``open`` (then the in-process one)."""

    def __init__(self) -> None:
        self.record = MemorySeenEvents()
        self.opened = threading.Event()
        self.asked: list[str] = []

    def first_time(self, key: str) -> bool:
        self.asked.append(key)
        self.opened.wait(HELD_AT_MOST)
        return self.record.first_time(key)


def _bot(fake: FakeSlack, record: ShutRecord):
    settings = make_settings(fake)
    pool = ListenerPool(max_workers=2)
    return create_app(
        settings, KeywordPredictor(), make_web_client(settings), seen=record, listener_pool=pool
    )


def _event_body(event_id: str) -> str:
    event = payloads.message_event("great news, well done", channel="C1")
    return payloads.json_body(payloads.event_callback(event, event_id=event_id))


def test_python_m_bots_server_acks_an_event_while_its_claim_waits():
    record = ShutRecord()
    with FakeSlack() as fake:
        bot = _bot(fake, record)
        server = make_http_server(create_wsgi_app(bot), "127.0.0.1", 0)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
        thread.start()
        try:
            body = _event_body("EvShut1")
            headers = {
                "Content-Type": "application/json",
                **payloads.sign(bot.signing_secret, body),
            }
            url = f"http://127.0.0.1:{server.server_address[1]}/slack/events"
            request = urllib.request.Request(url, body.encode(), headers, method="POST")
            with urllib.request.urlopen(request, timeout=HELD_AT_MOST / 2) as response:
                status, answer = response.status, response.read()
            assert (status, answer) == (200, b"")
            assert not record.opened.is_set()  # acked while the record was still shut
            assert wait_until(lambda: record.asked == ["EvShut1"])  # the claim came after
            assert fake.calls("reactions.add") == []
            record.opened.set()
            assert fake.wait_for("reactions.add", 1, timeout=10)
        finally:
            record.opened.set()
            server.shutdown()
            server.server_close()
            thread.join()
            bot.pool.shutdown(wait=True)
            bot.mood.close()


def test_gunicorns_asgi_app_acks_events_on_its_loop_with_every_ack_thread_busy():
    """A slash command whose claim waits holds the only ack thread; events are acked anyway,
    on the event loop, and a second delivery of one of them is still answered once."""
    record = ShutRecord()
    with FakeSlack() as fake:
        bot = _bot(fake, record)
        app = create_asgi_app(bot, ack_threads=1)

        async def request(body: str, content_type: str) -> list[dict]:
            sent: list[dict] = []
            headers = [
                (b"content-type", content_type.encode()),
                (b"content-length", str(len(body)).encode()),
                *(
                    (name.lower().encode(), value.encode())
                    for name, value in payloads.sign(bot.signing_secret, body).items()
                ),
            ]
            scope = {"type": "http", "method": "POST", "path": "/slack/events", "headers": headers}

            async def receive() -> dict:
                return {"type": "http.request", "body": body.encode(), "more_body": False}

            async def send(message: dict) -> None:
                sent.append(message)

            await app(scope, receive, send)
            return sent

        async def scenario() -> tuple[list[list[dict]], asyncio.Task]:
            command = payloads.form_body(
                payloads.slash_command("great", command=bot_command, response_url="")
            )
            held = asyncio.create_task(request(command, "application/x-www-form-urlencoded"))
            assert await asyncio.to_thread(wait_until, lambda: len(record.asked) == 1)
            acks = [
                await asyncio.wait_for(request(_event_body(f"EvLoop{n}"), "application/json"), 5)
                for n in (1, 2, 1)  # EvLoop1 twice: Slack's redelivery
            ]
            return acks, held

        bot_command = make_settings(fake).sentiment_command
        try:
            acks, held = asyncio.run(_with_opening(scenario, record))
        finally:
            record.opened.set()
        for sent in acks:
            assert sent[0]["status"] == 200 and sent[1]["body"] == b""
        assert held.done()
        assert fake.wait_for("reactions.add", 2, timeout=10)
        bot.pool.wait_idle(10)
        assert len(fake.calls("reactions.add")) == 2  # the redelivery was not answered again
        bot.pool.shutdown(wait=True)
        bot.mood.close()


async def _with_opening(scenario, record: ShutRecord):
    """Run ``scenario``, then open the record and let the held command finish."""
    acks, held = await scenario()
    assert not record.opened.is_set()  # every event was acked while the record was shut
    record.opened.set()
    await asyncio.wait_for(held, HELD_AT_MOST)
    return acks, held


def test_an_event_after_the_pool_stopped_gets_503_so_slack_sends_it_again():
    """A process shutting down cannot run the dispatch it would ack: Slack redelivers a 503."""
    from bot.runners.gate import Gate

    record = ShutRecord()
    record.opened.set()
    with FakeSlack() as fake:
        bot = _bot(fake, record)
        bot.pool.shutdown(wait=True)
        body = _event_body("EvLate1")
        headers = {k.lower(): v for k, v in payloads.sign(bot.signing_secret, body).items()}
        reply = Gate(bot).dispatch({**headers, "content-type": "application/json"}, "", body)
        bot.mood.close()
    assert reply.status == 503
    assert record.asked == []  # never claimed: a redelivery will be answered
