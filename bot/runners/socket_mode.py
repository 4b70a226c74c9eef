"""Socket Mode: the app opens a WebSocket to Slack, so no public URL is needed.

Slack's ``apps.connections.open`` (called with the ``xapp-`` token on ``SLACK_API_URL``) hands
out the WebSocket URL; Bolt's Socket Mode handler then receives envelopes, dispatches them to
the same app as HTTP mode and acks each one.

Which of Bolt's adapters: ``websocket_client`` (the ``websocket-client`` package). Slack asks
every connection to reconnect now and then (a ``disconnect`` envelope, ``warning`` then
``refresh_requested``). slack_sdk's built-in client reconnects at once but keeps reading the old
socket until its 3 s receive timeout runs out, so the first event on the new socket was acked
only after about 3.1 s, past Slack's 3 s window. The stock ``websocket_client`` client needs
0.5 s, and now and then 10 s; ``PromptSocketModeClient`` below reads a new socket at once, so
the first ack comes well under 0.1 s after the disconnect (``scripts/bench.py`` measures it).
The async adapters (``websockets``, ``aiohttp``) need an ``AsyncApp``, a second app for one
surface.

Every envelope is acked, including types no listener handles: an unacked envelope is
redelivered by Slack, again and again.

Where acks used to wait (issue 17: 1,000 events/s offered, 662/s handled, ack p50 3.1 s): the
ack was sent at the end of Bolt's dispatch, which ran on slack_sdk's ``message_workers`` (10
threads behind an unbounded queue) and went through the whole middleware chain (the dedupe
record included) before any listener could call ``ack()``. Past capacity that queue grew
without bound and every ack waited behind all the dispatches before it. Now the reading thread
acks an ``events_api`` envelope as soon as the read it came in is parsed, on the socket it
arrived on (an Events API ack carries no payload, so nothing in Bolt needs to run first), and
hands the dispatch to the listener pool as that workspace's work (``ListenerPool.dispatch``):
fair across workspaces, bounded, shed by its policy under overload. Slash commands and
interactive payloads, whose ack may carry an answer, still ack at the end of Bolt's dispatch,
on slack_sdk's workers, which no longer queue the events in front of them.

Then, at twice a process's capacity, acks still reached p99 1-2 s: the reading thread read
each frame with three reads and a poll, and acked and queued each envelope on its own, and
every one of those calls let go of the GIL and waited to take it back behind the listener
threads running the model. The thread spent most of its time waiting, at about the rate
offered, so envelopes piled up unread in the socket. Now one read takes everything waiting
(``_FrameReader``) and one write acks all of its envelopes (``_BatchingDispatcher``): a few
waits per read however many envelopes it brought (docs/serving.md has the measurements).

A ``disconnect`` keeps the old socket open for ``OLD_SOCKET_GRACE_SECONDS`` (Slack sends
``warning`` about 10 s before it closes the socket, and may still deliver on it): an envelope
that arrives there is acked there and handled once; Slack closes it, or the bot does after the
grace.
"""

from __future__ import annotations

import json
import logging
import selectors
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import websocket
from slack_bolt import App
from slack_bolt.adapter.socket_mode.internals import run_bolt_app, send_response
from slack_bolt.adapter.socket_mode.websocket_client import SocketModeHandler
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.socket_mode.websocket_client import SocketModeClient
from websocket import ABNF, WebSocket

from bot.app import work_of
from bot.listener_pool import ListenerPool
from bot.metrics import ACK_SECONDS
from bot.runners.gate import METRICS_PATH, favour_acks, metrics_reply
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.app import Bot

log = logging.getLogger("bot.runners.socket_mode")

NEW_SESSION_GRACE_SECONDS = 5.0  # a socket still opening is not "closed": don't reconnect
OLD_SOCKET_GRACE_SECONDS = 15.0  # a replaced socket is read (and acked on) this long at most
READ_BYTES = 65536  # one read takes what the socket holds, up to this much


class _FrameReader:
    """Feeds websocket-client's frame parser from one large read instead of one per field.

    The stock parser reads each frame's header, length and payload with a read of its own,
    and the dispatcher polls the socket before each frame: four or five system calls per
    envelope, each of which lets go of the GIL. With the listener threads running the model,
    taking the GIL back waited behind them, and those waits, not the work, limited the
    reading thread to about the rate of twice a process's capacity (``scripts/bench.py``,
    docs/serving.md). Here one read takes everything waiting, and ``ready`` says whether a
    whole frame is already buffered, so the dispatcher parses it without asking the socket.
    """

    def __init__(self, sock: WebSocket) -> None:
        self._sock = sock
        self._read = sock.frame_buffer.recv  # the socket's read; raises once it is closed
        self._buffer = bytearray()
        self._start = 0
        sock.frame_buffer.recv_strict = self.recv_strict  # type: ignore[method-assign]

    def recv_strict(self, size: int) -> bytes:
        """The next ``size`` bytes, reading the socket only when the buffer runs short."""
        while len(self._buffer) - self._start < size:
            chunk = self._read(READ_BYTES)
            del self._buffer[: self._start]
            self._start = 0
            self._buffer += chunk
        start, self._start = self._start, self._start + size
        return bytes(self._buffer[start : self._start])

    def ready(self) -> bool:
        """A whole frame is buffered here (or decrypted data waits in the TLS layer)."""
        pending = getattr(self._sock.sock, "pending", None)
        return self._whole_frame() or bool(pending and pending())

    def _whole_frame(self) -> bool:
        buffer, start = self._buffer, self._start
        have = len(buffer) - start
        if have < 2:
            return False
        length, header = buffer[start + 1] & 0x7F, 2
        if length >= 126:  # the length follows in 2 or 8 bytes
            size = 2 if length == 126 else 8
            if have < 2 + size:
                return False
            length = int.from_bytes(buffer[start + 2 : start + 2 + size], "big")
            header += size
        if buffer[start + 1] & 0x80:  # masked (Slack's frames are not)
            header += 4
        return have >= header + length


class _BatchingDispatcher:
    """websocket-client's read loop, parsing every frame one read brought, then acking them.

    After the frames buffered by a read are parsed (``_FrameReader``), ``after_read`` acks
    their ``events_api`` envelopes in one write and queues their dispatch in one call, so the
    reading thread waits for the GIL a few times per read, not several times per envelope.
    ``batching`` holds the sockets read this way: an envelope read any other way (a
    websocket-client that never asks for this dispatcher) is acked at once.
    """

    def __init__(
        self, app: Any, ping_timeout: float, after_read: Callable[[], None], batching: set[Any]
    ) -> None:
        self.app = app
        self.ping_timeout = ping_timeout
        self.after_read = after_read
        self.batching = batching

    def read(
        self, sock: Any, read_callback: Callable[[], bool], check_callback: Callable[[], Any]
    ) -> None:
        app = self.app
        if app.sock is None or app.sock.sock is None:
            return
        frames = _FrameReader(app.sock)
        selector = selectors.DefaultSelector()
        selector.register(app.sock.sock, selectors.EVENT_READ)
        self.batching.add(app)
        try:
            while app.keep_running:
                if frames.ready() or selector.select(self.ping_timeout):
                    while True:
                        if not read_callback():
                            return
                        if not frames.ready():
                            break
                    self.after_read()
                check_callback()
        finally:
            self.batching.discard(app)
            self.after_read()
            selector.close()

    # The rest of websocket-client's dispatcher interface, as its own dispatcher does it.

    def send(self, sock: Any, data: str | bytes) -> int:
        return int(websocket.send(sock, data))

    def timeout(self, seconds: float | None, callback: Callable[[], Any]) -> None:
        if seconds is not None:
            time.sleep(seconds)
        callback()

    def reconnect(self, seconds: int, reconnector: Callable[..., Any]) -> None:
        time.sleep(seconds)
        reconnector(reconnecting=True)


class PromptSocketModeClient(SocketModeClient):
    """slack_sdk's ``websocket_client`` Socket Mode client, reading each new socket at once.

    The stock client reads its sockets one after the other on one thread, polled every 0.5 s:
    after a ``disconnect`` it could start on the new socket only once the old socket's read
    loop noticed it was closed, which took up to its 10 s ping interval (1 reconnect in 10 in
    ``scripts/bench.py``). Here every socket is read by a thread of its own, started as soon as
    the socket is created. And a socket still opening is no longer taken for a closed one, by
    the connection monitor (which runs the moment the first socket is created: two
    ``apps.connections.open`` calls on every start) or by the old socket's close callback: a
    socket younger than a few seconds is left to open, while a ``disconnect`` still forces a
    new one.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        self._session_created = time.monotonic()
        self._arrived_on: dict[str, Any] = {}  # envelope_id -> the socket to ack it on
        self._retiring: list[Any] = []  # replaced sockets still read during their grace
        # Per socket: the events_api envelopes of the read under way, acked after it.
        self._unacked: dict[Any, list[tuple[str, dict[str, Any], float]]] = {}
        self._batching: set[Any] = set()  # sockets whose reads _BatchingDispatcher acks
        self._ack_seconds = ACK_SECONDS.labels(mode="socket")
        # Set by the handler: takes a read's ``events_api`` envelopes once they are acked.
        self.on_events_acked: Callable[[list[SocketModeRequest]], None] | None = None
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def connect(self) -> None:
        self._session_created = time.monotonic()
        old = self.current_session
        self.current_session = None  # the stock connect() would close it at once
        super().connect()
        session = self.current_session
        session.on_message = self._on_message  # type: ignore[union-attr]
        session.create_dispatcher = self._dispatcher_for(session)  # type: ignore[union-attr]
        threading.Thread(
            target=self._read_session, args=(session,), name="socket-mode-session", daemon=True
        ).start()
        if old is not None:
            self._retire(old)

    def _retire(self, old: Any) -> None:
        """Keep reading a replaced socket for its grace period, then close it."""
        self._retiring.append(old)

        def close() -> None:
            if old in self._retiring:
                self._retiring.remove(old)
            old.close()

        timer = threading.Timer(OLD_SOCKET_GRACE_SECONDS, close)
        timer.daemon = True
        timer.start()

    def _dispatcher_for(self, session: Any) -> Callable[..., _BatchingDispatcher]:
        """``session.create_dispatcher``: its read loop acks after each read."""

        def create(ping_timeout: float | None, *_args: Any) -> _BatchingDispatcher:
            return _BatchingDispatcher(
                session, ping_timeout or 10, lambda: self._ack_read(session), self._batching
            )

        return create

    def _on_message(self, ws: Any, raw: str | bytes) -> None:
        """Each socket's reading thread: keep Events API envelopes for the ack, queue the rest."""
        try:
            if isinstance(raw, bytes):  # skip_utf8_validation hands text frames over undecoded
                raw = raw.decode("utf-8")
            message = json.loads(raw) if raw.startswith("{") else {}
        except ValueError:  # UnicodeDecodeError included: not a Slack envelope
            log.warning("socket_mode_unreadable_message")
            return
        kind, envelope_id = message.get("type"), message.get("envelope_id")
        if kind == "disconnect" and ws is not self.current_session:
            log.info("socket_mode_disconnect_ignored reason=old_socket")
            return
        if kind == "events_api" and envelope_id and self.on_events_acked is not None:
            self._unacked.setdefault(ws, []).append((envelope_id, message, time.perf_counter()))
            if ws not in self._batching:
                self._ack_read(ws)
            return
        if envelope_id:
            self._arrived_on[envelope_id] = ws
        self.enqueue_message(raw)

    def _ack_read(self, ws: Any) -> None:
        """Ack the ``events_api`` envelopes of one read in one write, on the socket they came
        on, then hand them to ``on_events_acked``; unacked ones are redelivered by Slack."""
        read = self._unacked.pop(ws, None)
        if not read:
            return
        try:
            frames = (
                ABNF.create_frame(json.dumps({"envelope_id": envelope_id}), ABNF.OPCODE_TEXT)
                for envelope_id, _message, _received in read
            )
            data = b"".join(frame.format() for frame in frames)
            with ws.sock.lock:  # websocket-client's send lock: other threads send on it too
                ws.sock.sock.sendall(data)
        except Exception as err:  # noqa: BLE001 - closed meanwhile: Slack redelivers them
            log.warning(
                "socket_mode_ack_failed error=%s envelopes=%d", type(err).__name__, len(read)
            )
            return
        acked = time.perf_counter()
        for _envelope_id, _message, received in read:
            self._ack_seconds.observe(acked - received)
        parsed = (SocketModeRequest.from_dict(message) for _id, message, _received in read)
        requests = [request for request in parsed if request is not None]
        if requests and self.on_events_acked is not None:
            try:
                self.on_events_acked(requests)
            except Exception as err:  # noqa: BLE001 - the reading thread must go on
                log.error("socket_mode_queue_failed error=%s", type(err).__name__)

    def send_socket_mode_response(self, response: dict[str, Any] | SocketModeResponse) -> None:
        """Ack on the socket the envelope arrived on (an old one during its grace period)."""
        envelope_id = (
            response.envelope_id
            if isinstance(response, SocketModeResponse)
            else response.get("envelope_id")
        )
        ws = self._arrived_on.pop(envelope_id, None) if envelope_id else None
        if ws is not None and ws is not self.current_session and ws.sock is not None:
            body = response.to_dict() if isinstance(response, SocketModeResponse) else response
            try:
                ws.send(json.dumps(body))
                return
            except Exception:  # noqa: BLE001 - closed meanwhile: try the current socket
                pass
        super().send_socket_mode_response(response)

    def close(self) -> None:
        super().close()
        for old in list(self._retiring):
            old.close()

    def _run_current_session(self) -> None:
        """The stock runner's turn: nothing to do, each session has its own thread."""

    def _read_session(self, session: Any) -> None:
        try:
            session.run_forever(
                # websocket-client checks a text frame's UTF-8 in pure Python, byte by byte, on
                # this thread (0.1 ms per small envelope, more per real one) unless wsaccel is
                # installed; the frame is decoded strictly as UTF-8 anyway.
                skip_utf8_validation=True,
                ping_interval=self.ping_interval,
                http_proxy_host=self.http_proxy_host,
                http_proxy_port=self.http_proxy_port,
                http_proxy_auth=self.http_proxy_auth,
                proxy_type=self.proxy_type,
            )
        except Exception as err:  # noqa: BLE001 - the monitor opens a new socket
            log.warning("socket_mode_session_failed error=%s", type(err).__name__)
            session.close()

    def _opening(self) -> bool:
        return time.monotonic() - self._session_created < NEW_SESSION_GRACE_SECONDS

    def connect_to_new_endpoint(self, force: bool = False) -> None:
        if not force and self._opening():
            return
        super().connect_to_new_endpoint(force=force)

    def _monitor_current_session(self) -> None:
        if self._opening():
            return
        super()._monitor_current_session()


class AckingSocketModeHandler(SocketModeHandler):
    """Bolt's ``websocket_client`` handler, acking every envelope Bolt did not answer with 200.

    Bolt answers an envelope no listener matches with a 404 and sends no ack at all; Slack then
    redelivers it. Here such an envelope is acked empty and logged (type only, never payload).
    """

    def __init__(
        self, app: App, app_token: str, logger: logging.Logger, pool: ListenerPool | None = None
    ) -> None:
        # Not super().__init__: it would build (and start the threads of) the stock client.
        self.app = app
        self.app_token = app_token
        self.pool = pool
        self.client = PromptSocketModeClient(
            app_token=app_token, logger=logger, web_client=app.client
        )
        self.client.socket_mode_request_listeners.append(self.handle)  # type: ignore[arg-type]
        if pool is not None:
            self.client.on_events_acked = self.queue_acked

    def queue_acked(self, requests: list[SocketModeRequest]) -> None:
        """Acked ``events_api`` envelopes: each one's dispatch waits in its workspace's queue."""
        deliveries = []
        for req in requests:
            payload = req.payload if isinstance(req.payload, dict) else {}
            deliveries.append((req, *work_of(payload)))
        assert self.pool is not None
        self.pool.dispatch(self.dispatch_acked, deliveries)

    def dispatch_acked(self, req: SocketModeRequest) -> None:
        """Run Bolt on an envelope that is already acked (its response is not sent)."""
        try:
            bolt_resp = run_bolt_app(self.app, req)
        except Exception as err:  # noqa: BLE001 - logged by type only, never the payload
            log.error("socket_mode_dispatch_failed type=%s error=%s", req.type, type(err).__name__)
            return
        if bolt_resp.status != 200:
            log.info("unhandled_envelope type=%s status=%d acked", req.type, bolt_resp.status)

    def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        start = time.time()
        try:
            bolt_resp = run_bolt_app(self.app, req)
        except Exception as err:  # noqa: BLE001 - ack anyway: a redelivery would fail the same
            log.error("socket_mode_dispatch_failed type=%s error=%s", req.type, type(err).__name__)
            client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return
        if bolt_resp.status == 200:
            send_response(client, req, bolt_resp, start)
            ACK_SECONDS.labels(mode="socket").observe(time.time() - start)
            return
        log.info("unhandled_envelope type=%s status=%d acked", req.type, bolt_resp.status)
        client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))


def make_socket_mode_handler(bot: Bot, settings: Settings) -> SocketModeHandler:
    """A Socket Mode handler on ``SLACK_APP_TOKEN``; then ``connect()`` or ``start()`` it."""
    return AckingSocketModeHandler(
        bot.app,
        app_token=settings.slack_app_token,
        logger=logging.getLogger("bot.slack_sdk"),
        pool=bot.pool,
    )


def health_app(bot: Bot) -> Callable[..., Iterable[bytes]]:
    """``/healthz``, ``/readyz`` and ``/metrics`` (unless ``METRICS=off``) as a WSGI app.

    Socket Mode needs no inbound HTTP for Slack, but an orchestrator still probes the process
    and Prometheus scrapes it: this serves them on ``PORT``, and nothing else (404).
    """
    from bot.runners.gate import HEALTH_PATH, READY_PATH, Reply, readiness_reply, status_line

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if method not in ("GET", "HEAD"):
            reply = Reply.text(405, "method not allowed\n")
        elif path == HEALTH_PATH:
            reply = Reply.text(200, "ok\n")
        elif path == READY_PATH:
            reply = readiness_reply(bot.readiness)
        elif path == METRICS_PATH and bot.metrics:
            reply = metrics_reply()
        else:
            reply = Reply.text(404, "not found\n")
        headers = [*reply.headers, ("Content-Length", str(len(reply.body)))]
        start_response(status_line(reply.status), headers)
        return [b"" if method == "HEAD" else reply.body]

    return app


def _start_health_server(bot: Bot, settings: Settings) -> Any:
    """Serve ``health_app`` on HOST:PORT in a daemon thread; None (logged) if the port fails."""
    from bot.runners.http import bind_error, make_http_server

    try:
        server = make_http_server(health_app(bot), settings.host, settings.port)
    except OSError as err:
        log.warning(
            "health_server_unavailable problem=%s",
            bind_error(settings.host, settings.port, err).split(":")[0].replace(" ", "_"),
        )
        return None
    threading.Thread(target=server.serve_forever, name="health", daemon=True).start()
    host, port = server.server_address[:2]
    routes = "/healthz,/readyz" + (",/metrics" if bot.metrics else "")
    log.info("health_server listening=%s:%d routes=%s", host, port, routes)
    return server


def run_socket_mode(bot: Bot, settings: Settings) -> None:
    """Connect and block until the process is stopped; then stop taking envelopes."""
    favour_acks()
    handler = make_socket_mode_handler(bot, settings)
    health = _start_health_server(bot, settings)
    log.info("socket_mode connecting")
    try:
        handler.start()
    finally:
        handler.close()
        if health is not None:
            health.shutdown()
            health.server_close()
