"""The console's fake Slack Web API as its own process, with per-method call statistics.

``python -m benchmarks.fake_slack_server [--port N]`` prints its base URL on the first line of
stdout and serves until SIGTERM; ``GET /_fake/stats`` answers per-method call counts as JSON.
The benchmark runs it apart from the bot so the fake never competes with the bot for the GIL.

``CountingFakeSlack`` is also the fake the in-process benchmarks (and the tests' fake, which adds
failures on demand) use: the console's fake plus call statistics and ``wait_for``.
``InstallingSlack`` (``--installs``) also installs workspaces (``oauth.v2.access``) and answers
``auth.test`` per issued token, for multi-workspace mode.
"""

from __future__ import annotations

import argparse
import json
import secrets
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bot.console.fake_slack import Answer, Call, FakeSlack

STATS_PATH = "/_fake/stats"
REPLIES_PATH = "/_fake/replies"  # ?channel=C: {thread_ts: epoch s of the first reply there}


class CountingFakeSlack(FakeSlack):
    """The fake, answering ``GET /_fake/stats`` with what it recorded; callers can wait on it."""

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Wait until ``count`` calls of ``method`` are recorded; raise TimeoutError if not."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [c for c in self._calls if c.method == method]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(
                        f"expected {count} {method} call(s) within {timeout}s, got {len(found)}: "
                        f"{[c.method for c in self._calls]}"
                    )
                self._cond.wait(remaining)

    def stats(self) -> dict[str, Any]:
        """Per method: calls, successful calls, the first and last call's time (epoch s), and
        how many different tokens made its successful calls."""
        out: dict[str, dict[str, Any]] = {}
        tokens: dict[str, set[str | None]] = {}
        for call in self.calls():
            entry = out.setdefault(
                call.method, {"calls": 0, "ok": 0, "first_at": call.at, "last_at": call.at}
            )
            entry["calls"] += 1
            entry["ok"] += call.ok
            entry["last_at"] = call.at
            if call.ok:
                tokens.setdefault(call.method, set()).add(call.token)
        for method, entry in out.items():
            entry["tokens"] = len(tokens.get(method, ()))
        return out

    def replies(self, channel: str) -> dict[str, float]:
        """When the first ``chat.postMessage`` in each thread of ``channel`` arrived (epoch s)."""
        out: dict[str, float] = {}
        for call in self.calls("chat.postMessage"):
            thread = call.params.get("thread_ts")
            if call.params.get("channel") == channel and thread and thread not in out:
                out[str(thread)] = call.at
        return out

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(request.path)
        if parts.path == REPLIES_PATH:
            channel = parse_qs(parts.query).get("channel", [""])[0]
            self._send_json(request, self.replies(channel))
            return
        if parts.path != STATS_PATH:
            super()._handle(request)
            return
        self._send_json(request, self.stats())

    @staticmethod
    def _send_json(request: BaseHTTPRequestHandler, data: dict[str, Any]) -> None:
        payload = json.dumps(data).encode()
        request.send_response(200)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(payload)))
        request.end_headers()
        request.wfile.write(payload)


class InstallingSlack(CountingFakeSlack):
    """The fake Web API plus ``oauth.v2.access`` (code ``code-T...`` installs team ``T...``)
    and ``auth.test`` answered for the workspace whose token it is; a reaction or a message
    with a token it never issued is refused (``invalid_auth``)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._teams_by_token: dict[str, str] = {}
        self._token_lock = threading.Lock()

    def _reply(self, method: str, params: dict[str, Any], token: str | None) -> Answer:
        if method == "oauth.v2.access":
            code = str(params.get("code") or "")
            if not code.startswith("code-"):
                return Answer(200, {"ok": False, "error": "invalid_code"})
            team = code.removeprefix("code-")
            bot_token = f"xoxb-{secrets.token_hex(24)}"
            with self._token_lock:
                self._teams_by_token[bot_token] = team
            return Answer(
                200,
                {
                    "ok": True,
                    "app_id": "A0BENCH01",
                    "authed_user": {"id": "UINSTALLER"},
                    "scope": "chat:write,reactions:write",
                    "token_type": "bot",
                    "access_token": bot_token,
                    "bot_user_id": "UBOT" + team[1:6],
                    "team": {"id": team, "name": team},
                    "enterprise": None,
                    "is_enterprise_install": False,
                },
            )
        if method == "auth.test":
            with self._token_lock:
                team = self._teams_by_token.get(token or "")
            if team is None:
                return Answer(200, {"ok": False, "error": "invalid_auth"})
            return Answer(
                200,
                {
                    "ok": True,
                    "url": "https://bench.slack.com/",
                    "team_id": team,
                    "user_id": "UBOT" + team[1:6],
                    "bot_id": "B" + team[1:6],
                    "is_enterprise_install": False,
                },
            )
        if method.startswith(("chat.", "reactions.")):
            with self._token_lock:
                if token not in self._teams_by_token:
                    return Answer(200, {"ok": False, "error": "invalid_auth"})
        return super()._reply(method, params, token)


def main(argv: list[str] | None = None) -> int:
    """Serve the fake until SIGTERM or Ctrl-C; print the base URL first."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fake_slack_server")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free)")
    parser.add_argument("--socket-url", help="what apps.connections.open answers (Socket Mode)")
    parser.add_argument(
        "--installs", action="store_true", help="serve oauth.v2.access (multi-workspace mode)"
    )
    args = parser.parse_args(argv)
    kind = InstallingSlack if args.installs else CountingFakeSlack
    fake = kind(socket_url=args.socket_url).start(port=args.port)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(fake.base_url, flush=True)
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    fake.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
