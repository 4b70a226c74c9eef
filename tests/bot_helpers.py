"""Shared pieces for the bot tests: a deterministic fake predictor and a served app.

The fake predictor implements ``model.prediction.Predictor`` with word lists, so each test
knows exactly what the "model" will say: sentiment words push the label, words containing
"zz" are unknown, "explode" raises (to test that one failure does not stop the next message).
"""

from __future__ import annotations

import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from bot import slack_payloads as payloads
from bot.app import ListenerPool, create_app
from bot.dedupe import MemorySeenEvents
from bot.fake_slack import FakeSlack
from bot.server import create_wsgi_app, make_http_server
from bot.settings import Settings
from bot.slack_api import make_web_client
from model.prediction import NEGATIVE, POSITIVE, Prediction

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


def make_settings(fake: FakeSlack, **overrides) -> Settings:
    """Settings for a test app on the fake Web API (short timeouts, small retry caps)."""
    base = Settings(
        bot_token="xoxb-test-token",
        signing_secret=SECRET,
        slack_api_url=fake.base_url,
        slack_timeout_seconds=2.0,
        max_retry_wait_seconds=2.0,
        listener_threads=4,
    )
    return replace(base, **overrides)


@dataclass
class Served:
    """A Bolt app served over real HTTP on 127.0.0.1, talking to a fake Slack."""

    fake: FakeSlack
    settings: Settings
    predictor: KeywordPredictor
    pool: ListenerPool
    url: str
    seen: MemorySeenEvents

    def post(
        self, body: str, content_type: str, headers: dict[str, str] | None = None
    ) -> tuple[int, str]:
        """POST a request (signed unless ``headers`` carries its own signature)."""
        all_headers = {"Content-Type": content_type}
        if headers is None or "X-Slack-Signature" not in headers:
            all_headers.update(payloads.sign(self.settings.signing_secret, body))
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
            text, response_url=self.fake.response_url(), command=self.settings.command, **kwargs
        )
        return self.post(payloads.form_body(fields), "application/x-www-form-urlencoded")

    def settle(self, timeout: float = 10.0) -> None:
        """Wait until every listener finished; then nothing more will be posted."""
        assert self.pool.wait_idle(timeout), "listeners did not finish in time"


@contextmanager
def served_app(**overrides) -> Iterator[Served]:
    """Fake Slack + the real app behind the real WSGI server on a free port."""
    with FakeSlack() as fake:
        settings = make_settings(fake, **overrides)
        predictor = KeywordPredictor()
        pool = ListenerPool(max_workers=settings.listener_threads)
        seen = MemorySeenEvents()
        app = create_app(
            settings, predictor, make_web_client(settings), seen=seen, listener_pool=pool
        )
        server = make_http_server(create_wsgi_app(app), "127.0.0.1", 0)
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
            )
        finally:
            server.shutdown()
            server.server_close()
            pool.shutdown(wait=True)


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Poll ``predicate`` every 10 ms until true or ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()
