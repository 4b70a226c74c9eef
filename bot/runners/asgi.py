"""The production HTTP entry point: the bot under gunicorn's asyncio worker.

    gunicorn -c gunicorn.conf.py        # worker_class "asgi", app bot.runners.asgi:application()

Why asyncio: with threaded workers a connection holds a thread from its first byte to its last,
so eight clients that send headers and one body byte stop a 2 x 4-thread server from acking
anything. Here each worker's event loop reads every connection without a thread, so a slow
client costs a coroutine; a request reaches a thread only once its whole body has arrived
(within ``gate.BODY_TIMEOUT_SECONDS``, else 408), and a body over ``gate.MAX_BODY_BYTES`` is
answered 413 from its headers alone. An Events API delivery (nearly all of Slack's traffic) is
then checked and acked on the loop itself, and Bolt's dispatch for it queued on the app's
``ListenerPool`` (``Gate.acked_event``); any other request (a slash command, a button) goes to a
small pool of ack threads (``GUNICORN_THREADS`` per worker) that checks the signature, parses,
and runs Bolt's ack path; listener work runs afterwards on the ``ListenerPool``.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from bot.runners.gate import BODY_TIMEOUT_SECONDS, EVENTS_PATH, Gate, Reply, favour_acks

if TYPE_CHECKING:
    from bot.app import Bot

log = logging.getLogger("bot.runners.asgi")

LOOP_ACK_MAX_BYTES = 64 * 1024  # Slack's event bodies are a few KB; larger ones go to a thread
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
AsgiApp = Callable[[dict[str, Any], Receive, Send], Awaitable[None]]


async def _read_body(receive: Receive, length: int, timeout: float) -> bytes | None:
    """The whole body (at most ``length`` bytes), or None if too slow or the client left."""
    chunks: list[bytes] = []
    got = 0
    try:
        async with asyncio.timeout(timeout):
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    return None
                chunk = message.get("body", b"")
                got += len(chunk)
                if got > length:
                    return None
                chunks.append(chunk)
                if not message.get("more_body", False):
                    return b"".join(chunks)
    except TimeoutError:
        return None


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def create_asgi_app(bot: Bot, ack_threads: int = 4, path: str = EVENTS_PATH) -> AsgiApp:
    """The bot's HTTP endpoints as an ASGI application; Bolt runs on ``ack_threads`` threads."""
    gate = Gate(bot, path)
    pool = ThreadPoolExecutor(max_workers=ack_threads, thread_name_prefix="bot-ack")

    def verified_dispatch(headers: dict[str, str], query: str, body: bytes) -> Reply:
        screened = gate.screen(headers, body)
        return screened if isinstance(screened, Reply) else gate.dispatch(headers, query, screened)

    def on_the_loop(headers: dict[str, str], query: str, body: bytes) -> Reply | None:
        """An Events API delivery's ack, without a thread: the signature, the parse and the
        queueing are all this process does before it answers (``Gate.acked_event``). Handing
        it to an ack thread and back cost two waits for the GIL, each up to the switch
        interval while listener threads run. None: anything else, or a large body (its
        checks go to a thread, not the loop that reads every other connection)."""
        if len(body) > LOOP_ACK_MAX_BYTES or b'"event_callback"' not in body:
            return None
        screened = gate.screen(headers, body)
        return (
            screened if isinstance(screened, Reply) else gate.acked_event(headers, query, screened)
        )

    async def asgi_app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return  # no WebSocket endpoint: the server closes the connection
        headers = {
            name.decode("latin-1").lower(): value.decode("latin-1")
            for name, value in scope.get("headers", [])
        }
        method = scope.get("method", "GET")
        path = scope.get("path", "")
        if gate.is_oauth(path):  # may call Slack and the database: on an ack thread
            query = scope.get("query_string", b"").decode("latin-1")
            loop = asyncio.get_running_loop()
            first = await loop.run_in_executor(pool, gate.oauth, method, path, query, headers)
        else:
            first = gate.before_body(method, path, headers)
        if isinstance(first, Reply):
            reply = first
        else:
            body = await _read_body(receive, first, BODY_TIMEOUT_SECONDS)
            if body is None:
                reply = Reply.text(408, "request body too slow\n")
            else:
                query = scope.get("query_string", b"").decode("latin-1")
                reply = on_the_loop(headers, query, body)
                if reply is None:
                    loop = asyncio.get_running_loop()
                    reply = await loop.run_in_executor(
                        pool, verified_dispatch, headers, query, body
                    )
        close = [(b"connection", b"close")] if reply.status in (400, 408, 411, 413) else []
        await send(
            {
                "type": "http.response.start",
                "status": reply.status,
                "headers": [
                    *(
                        (name.encode("latin-1"), value.encode("latin-1"))
                        for name, value in reply.headers
                    ),
                    (b"content-length", str(len(reply.body)).encode()),
                    *close,
                ],
            }
        )
        await send({"type": "http.response.body", "body": b"" if method == "HEAD" else reply.body})

    return asgi_app


def application(env_file: str = ".env") -> AsgiApp:
    """gunicorn's factory (``bot.runners.asgi:application()``); bad setup exits 2, one line."""
    from bot.bootstrap import exit_on_setup_error
    from bot.runners.gunicorn_config import gunicorn_config
    from bot.runners.wsgi import build_bot
    from bot.settings import load_env

    bot = build_bot(env_file)
    with exit_on_setup_error():
        threads = gunicorn_config(load_env(env_file)).threads
    favour_acks()  # in the master before the fork: every worker inherits it
    app = create_asgi_app(bot, ack_threads=threads)
    _freeze_startup_heap()
    return app


def _freeze_startup_heap() -> None:
    """Put everything loaded at startup (the model, the app, every module) out of the garbage
    collector's reach before gunicorn forks the workers (``gc.freeze``).

    Those objects live as long as the process, but each full collection in a worker walked all
    of them while holding the GIL: 112-542 ms pauses, one or two per worker in 25 s at 1,000
    events/s, every ack of that worker waiting them out. The collector still frees what the
    workers allocate; frozen pages are also no longer written to, so they stay shared with the
    master.
    """
    gc.freeze()
