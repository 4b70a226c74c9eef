"""Shared pieces for the bot tests: a deterministic fake predictor and a served app.

The fake predictor implements ``model.prediction.Predictor`` with word lists, so each test
knows exactly what the "model" will say: sentiment words push the label, words containing
"zz" are unknown, "explode" raises (to test that one failure does not stop the next message).
"""

from __future__ import annotations

import atexit
import ipaddress
import json
import os
import queue
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from websockets.sync.server import serve

from bot.app import create_app
from bot.console import slack_requests as payloads
from bot.delivery.seen_events import MemorySeenEvents
from bot.listener_pool import ListenerPool
from bot.runners.http import create_wsgi_app, make_http_server
from bot.settings import Settings
from bot.slack.web_api import make_web_client
from model.prediction import NEGATIVE, POSITIVE, Prediction
from tests.helpers.fake_slack import FakeSlack

POSITIVE_WORDS = frozenset(
    "great love loved excellent wonderful happy amazing fantastic good best brilliant".split()
)
NEGATIVE_WORDS = frozenset("terrible awful hate hated bad worst boring horrible sad broken".split())
SECRET = "8f42b1c3a6e1d2b7c4f0a9e8d7c6b5a4"
_WORD = re.compile(r"[A-Za-z']+")


class KeywordPredictor:
    """A stand-in model: counts sentiment words; records every text it was asked about."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self._lock = threading.Lock()

    def predict(self, texts: list[str]) -> list[Prediction]:
        with self._lock:
            self.texts.extend(texts)
        return [self._one(text) for text in texts]

    @staticmethod
    def _one(text: str) -> Prediction:
        if "explode" in text:
            raise RuntimeError(f"model blew up on {text!r}")
        words = [w.lower() for w in _WORD.findall(text)]
        known = [w for w in words if "zz" not in w]
        pos = [w for w in known if w in POSITIVE_WORDS]
        neg = [w for w in known if w in NEGATIVE_WORDS]
        margin = len(pos) - len(neg)
        if margin == 0:
            score = 0.55
        else:
            score = 0.5 + (1 if margin > 0 else -1) * min(0.49, 0.2 + 0.15 * abs(margin))
        label = POSITIVE if score >= 0.5 else NEGATIVE
        return Prediction(
            label=label,
            confidence=score if label == POSITIVE else 1 - score,
            score=score,
            known_words=len(known),
            words=len(words),
            key_words=pos if label == POSITIVE else neg,
        )


_TEST_DB_DIR = Path(tempfile.mkdtemp(prefix="bot-tests-db-"))
atexit.register(shutil.rmtree, _TEST_DB_DIR, True)
TEST_DATABASE_URL = f"sqlite:///{_TEST_DB_DIR / 'bot.sqlite3'}"


def make_settings(fake: FakeSlack, **overrides) -> Settings:
    """Settings for a test app on the fake Web API (short timeouts, small retry caps).

    The mood record goes to a SQLite file in a temporary folder shared by this test process
    (mood tests pass their own ``database_url``).
    """
    base = Settings(
        database_url=TEST_DATABASE_URL,
        slack_bot_token="xoxb-test-token",
        slack_signing_secret=SECRET,
        slack_api_url=fake.base_url,
        slack_timeout_seconds=2.0,
        slack_max_retry_wait_seconds=2.0,
        listener_threads=4,
        dedupe_db="",  # this process's own record, not data/ under the working directory
    )
    return replace(base, **overrides)


@dataclass
class Served:
    """A Bolt app served over real HTTP on 127.0.0.1, talking to a fake Slack."""

    fake: FakeSlack
    settings: Settings
    predictor: Any
    pool: ListenerPool
    url: str
    seen: MemorySeenEvents
    mood: Any = None  # the app's MoodService

    def post(
        self, body: str, content_type: str, headers: dict[str, str] | None = None
    ) -> tuple[int, str]:
        """POST a request (signed unless ``headers`` carries its own signature)."""
        all_headers = {"Content-Type": content_type}
        if headers is None or "X-Slack-Signature" not in headers:
            all_headers.update(payloads.sign(self.settings.slack_signing_secret, body))
        all_headers.update(headers or {})
        request = urllib.request.Request(
            self.url + "/slack/events", data=body.encode(), headers=all_headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()

    def send_event(self, event: dict, *, event_id: str | None = None, **headers: str):
        """Deliver one Events API event as Slack's HTTP POST would."""
        body = payloads.json_body(payloads.event_callback(event, event_id=event_id))
        return self.post(body, "application/json", headers or None)

    def command(self, text: str, **kwargs) -> tuple[int, str]:
        """Invoke the slash command as Slack's form-encoded POST would."""
        fields = payloads.slash_command(
            text,
            response_url=self.fake.response_url(),
            command=self.settings.sentiment_command,
            **kwargs,
        )
        return self.post(payloads.form_body(fields), "application/x-www-form-urlencoded")

    def settle(self, timeout: float = 10.0) -> None:
        """Wait until every listener finished; then nothing more will be posted."""
        assert self.pool.wait_idle(timeout), "listeners did not finish in time"


def open_mood(settings: Settings, clock: Callable[[], Any] | None = None):
    """The mood record for a test app (``clock`` moves "now" for closing days)."""
    from bot.mood.service import MoodService

    return MoodService.open(settings, clock=clock) if clock else MoodService.open(settings)


@contextmanager
def served_app(predictor=None, *, clock=None, fake=None, **overrides) -> Iterator[Served]:
    """Fake Slack + the real app behind the real WSGI server on a free port."""
    with fake or FakeSlack() as fake:
        settings = make_settings(fake, **overrides)
        predictor = predictor if predictor is not None else KeywordPredictor()
        pool = ListenerPool(
            max_workers=settings.listener_threads,
            workspace_queue=settings.listener_queue_per_workspace,
            total_queue=settings.listener_queue_max,
        )
        seen = MemorySeenEvents()
        bot = create_app(
            settings,
            predictor,
            make_web_client(settings),
            seen=seen,
            listener_pool=pool,
            mood=open_mood(settings, clock),
        )
        server = make_http_server(create_wsgi_app(bot), "127.0.0.1", 0)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
        thread.daemon = True
        thread.start()
        try:
            yield Served(
                fake=fake,
                settings=settings,
                predictor=predictor,
                pool=pool,
                url=f"http://127.0.0.1:{server.server_address[1]}",
                seen=seen,
                mood=bot.mood,
            )
        finally:
            server.shutdown()
            server.server_close()
            pool.shutdown(wait=True)
            bot.mood.close()


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Poll ``predicate`` every 10 ms until true or ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def _text_frame(text: str) -> bytes:
    """One unmasked WebSocket text frame, as a server writes it (RFC 6455, 5.2)."""
    data = text.encode()
    if len(data) < 126:
        return bytes([0x81, len(data)]) + data
    if len(data) < 1 << 16:
        return bytes([0x81, 126]) + len(data).to_bytes(2, "big") + data
    return bytes([0x81, 127]) + len(data).to_bytes(8, "big") + data


def self_signed_tls(directory: Path) -> tuple[ssl.SSLContext, Path]:
    """A server TLS context for 127.0.0.1 and the PEM file a client trusts it with."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context, cert_path


class SocketSlack:
    """A WebSocket server speaking Slack's Socket Mode envelope protocol.

    Every connection gets Slack's ``hello``; envelopes go to the newest connection, and acks
    from any connection are collected with the time they arrived. With ``tls``, it is a
    ``wss://`` server, as Slack's is.
    """

    def __init__(self, tls: ssl.SSLContext | None = None):
        self.acks: queue.Queue = queue.Queue()
        self.connected = threading.Event()
        self.connections = 0
        self._conn = None
        self._new_conn = threading.Condition()
        self.server = serve(self._handle, "127.0.0.1", 0, ssl=tls)
        self.port = self.server.socket.getsockname()[1]
        self.url = f"{'wss' if tls else 'ws'}://127.0.0.1:{self.port}/link/?ticket=t-1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _handle(self, conn):
        conn.send(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": 1,
                    "debug_info": {"host": "local", "approximate_connection_time": 18060},
                    "connection_info": {"app_id": "A1"},
                }
            )
        )
        with self._new_conn:
            self._conn = conn
            self.connections += 1
            number = self.connections
            self._new_conn.notify_all()
        self.connected.set()
        try:
            for raw in conn:
                ack = json.loads(raw)
                ack["_received_at"] = time.perf_counter()
                ack["_connection"] = number  # which socket (1 = the first) carried the ack
                self.acks.put(ack)
        except Exception:  # noqa: BLE001 - the bot dropped this socket (it reconnects)
            pass

    def send_raw(self, message: dict) -> None:
        self._conn.send(json.dumps(message))

    def send(self, kind: str, payload: dict, retry_attempt: int = 0) -> str:
        envelope = self.envelope(kind, payload, retry_attempt)
        self.send_raw(envelope)
        return envelope["envelope_id"]

    @staticmethod
    def envelope(kind: str, payload: dict, retry_attempt: int = 0) -> dict:
        return {
            "envelope_id": str(uuid.uuid4()),
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
            "retry_attempt": retry_attempt,
            "retry_reason": "timeout" if retry_attempt else "",
        }

    def send_together(self, envelopes: list[dict], split_at: int = 0) -> None:
        """Write several envelopes at once, as they reach a busy bot: one read finds them all.

        With ``split_at``, the bytes go in two writes cut there (a frame split across reads).
        """
        data = b"".join(_text_frame(json.dumps(envelope)) for envelope in envelopes)
        sock = self._conn.socket
        for part in (data[:split_at], data[split_at:]) if split_at else (data,):
            sock.sendall(part)

    def disconnect(self, reason: str = "refresh_requested", timeout: float = 10.0) -> None:
        """Ask the bot to reconnect, as Slack does; return once the new socket said hello."""
        with self._new_conn:
            before = self.connections
            self.send_raw({"type": "disconnect", "reason": reason, "debug_info": {"host": "x"}})
            assert self._new_conn.wait_for(lambda: self.connections > before, timeout), (
                "the bot did not reconnect"
            )

    def ack_for(self, envelope_id: str, timeout: float = 5.0) -> dict:
        while True:
            ack = self.acks.get(timeout=timeout)
            if ack.get("envelope_id") == envelope_id:
                return ack

    def close(self):
        self.server.shutdown()


@contextmanager
def socket_mode_app(
    *, clock=None, predictor=None, tls=None, **overrides
) -> Iterator[tuple[SocketSlack, FakeSlack, ListenerPool]]:
    """The app connected through Bolt's real Socket Mode handler to a local WebSocket server.

    The app's mood record is on ``ws.mood``. With ``tls`` (a server context), over ``wss://``.
    """
    from bot.runners.socket_mode import make_socket_mode_handler

    ws = SocketSlack(tls)
    with FakeSlack(socket_url=ws.url) as fake:
        settings = make_settings(
            fake, slack_app_token="xapp-1-test", slack_signing_secret="", **overrides
        )
        pool = ListenerPool(max_workers=2)
        bot = create_app(
            settings,
            predictor or KeywordPredictor(),
            make_web_client(settings),
            listener_pool=pool,
            mood=open_mood(settings, clock),
        )
        handler = make_socket_mode_handler(bot, settings)
        handler.connect()
        try:
            assert ws.connected.wait(5), "the Socket Mode client never connected"
            ws.open_calls = fake.calls("apps.connections.open")
            ws.mood = bot.mood
            yield ws, fake, pool
        finally:
            handler.close()
            ws.close()
            pool.shutdown(wait=True)
            bot.mood.close()


REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bot_env(**values: str) -> dict[str, str]:
    """This process's environment minus any Slack or model settings, plus ``values``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MODEL_"))}
    env.update(values)
    env["PYTHONPATH"] = str(REPO)
    return env


@contextmanager
def bot_process(argv: list[str], env: dict[str, str], cwd: Path, port: int):
    """Run the bot as a process in HTTP mode; yield it and its base URL once /healthz is 200."""
    proc = subprocess.Popen(
        argv, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"the bot exited: {proc.communicate()[1]}")
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("the bot did not come up within 60 s")
            time.sleep(0.05)
        yield proc, base
    finally:
        if proc.poll() is None:
            proc.terminate()
        proc.communicate(timeout=10)


def post_signed(
    url: str, secret: str, body: str, content_type: str, **headers: str
) -> tuple[int, str]:
    """POST a Slack-signed request to ``url``."""
    all_headers = {"Content-Type": content_type, **payloads.sign(secret, body), **headers}
    request = urllib.request.Request(url, body.encode(), all_headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def check_http_bot_process(argv: list[str], tmp_path: Path, positive: str, negative: str) -> str:
    """Start ``argv`` like the acceptance checks do and drive it with signed requests.

    Returns the process's stderr (its logs) for further checks.
    """
    secret = "acceptance-secret"
    port = free_port()
    with FakeSlack() as fake:
        env = bot_env(
            SLACK_BOT_TOKEN="xoxb-acceptance",
            SLACK_SIGNING_SECRET=secret,
            SLACK_API_URL=fake.base_url.rstrip("/"),  # the bot adds the missing slash
            PORT=str(port),
            HOST="127.0.0.1",
        )
        with bot_process(argv, env, tmp_path, port) as (proc, base):
            events = base + "/slack/events"
            fields = payloads.slash_command(positive, response_url=fake.response_url())
            status, _ = post_signed(
                events, secret, payloads.form_body(fields), "application/x-www-form-urlencoded"
            )
            assert status == 200
            (answer,) = fake.wait_for("response_url", timeout=10)
            assert answer.params["response_type"] == "ephemeral"
            assert answer.params["text"].startswith(("Positive", "Leaning positive"))

            event = payloads.event_callback(
                payloads.app_mention_event(f"<@{fake.bot_user_id}> {negative}")
            )
            body = payloads.json_body(event)
            assert post_signed(events, secret, body, "application/json")[0] == 200
            retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
            assert post_signed(events, secret, body, "application/json", **retry)[0] == 200
            assert post_signed(events, "wrong", body, "application/json")[0] == 401
            (reply,) = fake.wait_for("chat.postMessage", timeout=10)
            assert reply.params["thread_ts"] == event["event"]["ts"]
            message = payloads.event_callback(payloads.message_event(negative))
            assert (
                post_signed(events, secret, payloads.json_body(message), "application/json")[0]
                == 200
            )
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline and not fake.calls("reactions.add"):
                time.sleep(0.05)
            assert len(fake.calls("chat.postMessage")) == 1
            assert fake.calls("auth.test")[0].token == "xoxb-acceptance"
            proc.terminate()
            _out, err = proc.communicate(timeout=10)
    return err
