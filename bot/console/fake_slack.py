"""A fake Slack Web API on 127.0.0.1 that records every call and answers like Slack.

The console points the bot at it to show what the bot would post, so trying the bot needs no
Slack. It answers the methods the bot calls (``auth.test``, ``chat.postMessage``,
``reactions.add``, ``conversations.replies``, ``apps.connections.open``) under ``/api/``, and
slash-command ``response_url`` posts under ``/response/``. For mood charts it also answers
``conversations.info`` / ``.members`` / ``.open`` (membership from ``set_members``; a channel
nobody configured counts everyone as a member) and Slack's upload flow:
``files.getUploadURLExternal`` hands out ``/upload/<file_id>``, the raw POST there is stored,
``files.completeUploadExternal`` shares it (``files`` holds every upload with its bytes). For
the Home tab, shortcuts, digests and backfill: ``views.publish``, ``views.open``,
``users.conversations`` (channels whose configured members include the user),
``conversations.history`` with cursors, ``chat.update``, ``chat.postEphemeral``. For the
console's several people and channels: ``users.info`` (from ``add_user``; anyone else is a
plain member named after their id) and ``conversations.list`` (the channels ``set_members``
named); for who may change workspace settings,
``usergroups.users.list`` (``usergroups``).
Tests and the benchmark build on it: failure injection, waiting for calls and call statistics
live with them (``tests/helpers/fake_slack.py``, ``benchmarks/fake_slack_server.py``), as
subclasses that answer differently through ``_reply``.

Use it as a context manager::

    with FakeSlack() as slack:
        client = WebClient(token="xoxb-test", base_url=slack.base_url)
"""

from __future__ import annotations

import bisect
import itertools
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

RESPONSE_URL_METHOD = "response_url"
_CURSOR = "next_ts:"


@dataclass(frozen=True)
class Call:
    """One request the fake received, and how it answered."""

    method: str
    params: dict[str, Any]
    token: str | None
    status: int
    error: str | None
    path: str
    at: float

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.error is None


@dataclass(frozen=True)
class Answer:
    """An answer to send instead of Slack's usual one: status, JSON (or raw text) body, headers."""

    status: int = 200
    body: dict[str, Any] | str = "ok"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Message:
    channel: str
    ts: str
    text: str
    user: str
    thread_ts: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = {"type": "message", "ts": self.ts, "text": self.text, "user": self.user}
        if self.thread_ts:
            data["thread_ts"] = self.thread_ts
        data.update(self.extra)
        return data


@dataclass
class UploadedFile:
    """One file uploaded through the external upload flow, bytes included."""

    id: str
    filename: str
    length: int
    alt_txt: str | None = None
    data: bytes | None = None
    title: str | None = None
    channel_id: str | None = None
    initial_comment: str | None = None
    completed: bool = False


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # a burst of the bot's calls must queue, not be refused

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._open_lock:
                self._open.discard(request)

    def close_connections(self) -> None:
        """End the kept-alive connections too: a stopped fake must not answer anyone."""
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class FakeSlack:
    """The fake Web API server; ``start()`` (or ``with``) binds a free port on 127.0.0.1."""

    def __init__(
        self,
        *,
        bot_user_id: str = "UBOT0001",
        bot_id: str = "BBOT0001",
        team_id: str = "T0000FAKE",
        socket_url: str | None = None,
        on_call: Any = None,
    ) -> None:
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.team_id = team_id
        self.socket_url = socket_url
        self.on_call = on_call
        self._calls: list[Call] = []
        self._messages: dict[tuple[str, str], _Message] = {}
        self._reactions: set[tuple[str, str, str]] = set()
        # channel -> (sorted ts, the same as floats), rebuilt after a message is added
        self._history_index: dict[str, tuple[list[str], list[float]]] = {}
        self._views: dict[str, dict[str, Any]] = {}  # user id -> published Home view
        self._ts = itertools.count(1)
        self._file_ids = itertools.count(1)
        self.files: dict[str, UploadedFile] = {}
        self._members: dict[str, set[str]] = {}
        self._channel_names: dict[str, str] = {}
        self._users: dict[str, dict[str, Any]] = {}  # users.info (add_user)
        self.usergroups: dict[str, set[str]] = {}  # usergroups.users.list: group id -> members
        self._cond = threading.Condition()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self, port: int = 0) -> FakeSlack:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as Slack's API
            disable_nagle_algorithm = True  # headers and body go in two writes

            def do_POST(self) -> None:  # noqa: N802 - stdlib name
                fake._handle(self)

            def do_GET(self) -> None:  # noqa: N802 - stdlib name
                fake._handle(self)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self._server = _Server(("127.0.0.1", port), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.close_connections()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "FakeSlack is not started"
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        """The Web API base URL to give ``WebClient(base_url=...)`` or ``SLACK_API_URL``."""
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, key: str = "cmd") -> str:
        """A slash command ``response_url`` whose posts are recorded as ``response_url`` calls."""
        return f"http://127.0.0.1:{self.port}/response/{key}"

    # -- test and console controls ----------------------------------------------------------

    def add_message(
        self,
        channel: str,
        ts: str,
        text: str,
        *,
        user: str = "UHUMAN001",
        thread_ts: str | None = None,
        **extra: Any,
    ) -> None:
        """Store a message so ``conversations.replies`` can return it."""
        with self._cond:
            self._messages[(channel, ts)] = _Message(channel, ts, text, user, thread_ts, extra)
            self._history_index.pop(channel, None)

    def add_history(self, channel: str, messages: list[dict[str, Any]]) -> None:
        """Store many channel messages at once (``ts``, ``text``, ``user``, any other fields)."""
        with self._cond:
            for m in messages:
                extra = {k: v for k, v in m.items() if k not in {"ts", "text", "user", "type"}}
                thread_ts = extra.pop("thread_ts", None)
                self._messages[(channel, m["ts"])] = _Message(
                    channel, m["ts"], m.get("text", ""), m.get("user", ""), thread_ts, extra
                )
            self._history_index.pop(channel, None)

    def add_member(self, channel: str, *users: str) -> None:
        """Make ``users`` members of ``channel`` (for ``users.conversations``)."""
        with self._cond:
            self._members.setdefault(channel, set()).update(users)

    def home_view(self, user: str) -> dict[str, Any] | None:
        """The Home tab view last published for ``user``, or None."""
        with self._cond:
            return self._views.get(user)

    def set_members(self, channel: str, users: list[str], *, name: str | None = None) -> None:
        """Who is in ``channel`` (include ``bot_user_id`` for the bot to be a member)."""
        with self._cond:
            self._members[channel] = set(users)
            if name:
                self._channel_names[channel] = name

    def add_user(self, user_id: str, name: str, *, is_admin: bool = False) -> None:
        """Someone ``users.info`` knows by name; ``is_admin`` as Slack reports a workspace admin."""
        with self._cond:
            self._users[user_id] = {
                "id": user_id,
                "team_id": self.team_id,
                "name": name,
                "real_name": name.title(),
                "is_admin": is_admin,
                "is_owner": False,
                "is_bot": False,
                "deleted": False,
                "profile": {"display_name": name, "real_name": name.title()},
            }

    def _is_member(self, channel: str, user: str) -> bool:
        members = self._members.get(channel)
        return members is None or user in members

    def calls(self, method: str | None = None) -> list[Call]:
        """Every recorded call (failed ones too), optionally of one method, oldest first."""
        with self._cond:
            return [c for c in self._calls if method is None or c.method == method]

    def clear(self) -> None:
        """Forget recorded calls (stored messages stay)."""
        with self._cond:
            self._calls.clear()

    # -- request handling -------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        split = urlsplit(request.path)
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        if split.path.startswith("/upload/"):
            self._handle_upload(request, split.path[len("/upload/") :], raw)
            return
        params: dict[str, Any] = dict(parse_qsl(split.query))
        content_type = request.headers.get("Content-Type") or ""
        if raw:
            if "json" in content_type:
                try:
                    params.update(json.loads(raw.decode("utf-8")))
                except ValueError:
                    params["_raw"] = raw.decode("utf-8", "replace")
            else:
                params.update(parse_qsl(raw.decode("utf-8")))
        auth = request.headers.get("Authorization") or ""
        token = auth[7:] if auth.startswith("Bearer ") else params.get("token")

        if split.path.startswith("/response/"):
            method = RESPONSE_URL_METHOD
        elif split.path.startswith("/api/"):
            method = split.path[len("/api/") :]
        else:
            method = split.path

        reply = self._reply(method, params, token)
        status, body, headers = reply.status, reply.body, reply.headers

        error = None
        if isinstance(body, dict) and not body.get("ok"):
            error = body.get("error") or f"http_{status}"
        elif status != 200:
            error = f"http_{status}"
        call = Call(method, params, token, status, error, split.path, time.time())
        # Record before answering, so a caller that has its answer always finds the call.
        with self._cond:
            self._calls.append(call)
            self._cond.notify_all()
        if self.on_call is not None:
            self.on_call(call)
        payload = json.dumps(body).encode() if isinstance(body, dict) else body.encode()
        try:
            request.send_response(status)
            ctype = "application/json; charset=utf-8" if isinstance(body, dict) else "text/html"
            request.send_header("Content-Type", ctype)
            request.send_header("Content-Length", str(len(payload)))
            for name, value in headers.items():
                request.send_header(name, value)
            request.end_headers()
            request.wfile.write(payload)
        except OSError:
            pass  # the client gave up (a timeout test); the call is still recorded

    def _reply(self, method: str, params: dict[str, Any], token: str | None) -> Answer:
        """Slack's answer to one call (subclasses answer some calls differently)."""
        if method == RESPONSE_URL_METHOD:
            return Answer(200, "ok")
        return Answer(200, self._answer(method, params, token))

    def _handle_upload(self, request: BaseHTTPRequestHandler, file_id: str, raw: bytes) -> None:
        """The upload URL: store the raw bytes (Slack answers 200 "OK - <length>")."""
        with self._cond:
            upload = self.files.get(file_id)
            if upload is not None and not upload.completed:
                upload.data = raw
            status = 200 if upload is not None and not upload.completed else 404
            self._calls.append(
                Call(
                    "upload",
                    {"file_id": file_id, "bytes": len(raw)},
                    None,
                    status,
                    None if status == 200 else "http_404",
                    request.path,
                    time.time(),
                )
            )
            self._cond.notify_all()
        payload = f"OK - {len(raw)}".encode() if status == 200 else b"not found"
        try:
            request.send_response(status)
            request.send_header("Content-Type", "text/plain")
            request.send_header("Content-Length", str(len(payload)))
            request.end_headers()
            request.wfile.write(payload)
        except OSError:
            pass

    def _files_answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "files.getUploadURLExternal":
            filename, length = params.get("filename"), params.get("length")
            if not filename or not str(length or "").isdigit():
                return {"ok": False, "error": "invalid_arguments"}
            file_id = f"F{next(self._file_ids):08d}"
            with self._cond:
                self.files[file_id] = UploadedFile(
                    file_id, filename, int(length), alt_txt=params.get("alt_txt")
                )
            return {
                "ok": True,
                "upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}",
                "file_id": file_id,
            }
        try:
            items = json.loads(params.get("files") or "[]")
        except ValueError:
            return {"ok": False, "error": "invalid_arguments"}
        channel = params.get("channel_id")
        shared = []
        with self._cond:
            for item in items:
                upload = self.files.get(item.get("id"))
                if upload is None or upload.data is None or upload.completed:
                    return {"ok": False, "error": "file_not_found"}
                if channel and not self._is_member(channel, self.bot_user_id):
                    return {"ok": False, "error": "not_in_channel"}
                upload.completed, upload.title = True, item.get("title") or upload.filename
                upload.channel_id, upload.initial_comment = channel, params.get("initial_comment")
                shared.append({"id": upload.id, "name": upload.filename, "title": upload.title})
        return {"ok": True, "files": shared}

    def _conversations_answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "conversations.open":
            users = str(params.get("users") or "")
            if not users or "," in users:
                return {"ok": False, "error": "invalid_arguments"}
            return {"ok": True, "channel": {"id": "D" + users[1:]}}
        channel = str(params.get("channel") or "")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        with self._cond:
            bot_member = self._is_member(channel, self.bot_user_id)
            members = sorted(self._members.get(channel, {self.bot_user_id, "UHUMAN001"}))
            name = self._channel_names.get(channel, "general")
        if channel.startswith("G") and not bot_member:
            return {"ok": False, "error": "channel_not_found"}
        if method == "conversations.info":
            return {
                "ok": True,
                "channel": {
                    "id": channel,
                    "name": name,
                    "is_channel": channel.startswith("C"),
                    "is_private": channel.startswith("G"),
                    "is_member": bot_member,
                },
            }
        limit = max(1, min(1000, int(params.get("limit") or 100)))
        start = int(params.get("cursor") or 0)
        page = members[start : start + limit]
        more = start + limit < len(members)
        return {
            "ok": True,
            "members": page,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _directory_answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """``users.info`` and ``conversations.list`` (one page: the console has few channels)."""
        with self._cond:
            if method == "users.info":
                user = str(params.get("user") or "")
                if not user:
                    return {"ok": False, "error": "user_not_found"}
                known = self._users.get(user)
            else:
                named = sorted(self._channel_names.items())
                channels = [
                    {
                        "id": channel,
                        "name": name,
                        "is_channel": channel.startswith("C"),
                        "is_private": channel.startswith("G"),
                        "is_member": self._is_member(channel, self.bot_user_id),
                    }
                    for channel, name in named
                ]
        if method == "conversations.list":
            return {"ok": True, "channels": channels, "response_metadata": {"next_cursor": ""}}
        if known is None:  # like a channel nobody configured: a plain member
            known = {"id": user, "team_id": self.team_id, "name": user.lower(), "is_admin": False}
            known.update(is_owner=False, is_bot=False, deleted=False)
        return {"ok": True, "user": known}

    def _next_ts(self) -> str:
        return f"{int(time.time())}.{next(self._ts):06d}"

    def _answer(self, method: str, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        if not token:
            return {"ok": False, "error": "not_authed"}
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://fake.slack.test/",
                "team": "Fake Team",
                "user": "sentiment",
                "team_id": self.team_id,
                "user_id": self.bot_user_id,
                "bot_id": self.bot_id,
                "is_enterprise_install": False,
            }
        if method == "chat.postMessage":
            channel = params.get("channel")
            if not channel:
                return {"ok": False, "error": "channel_not_found"}
            if not (params.get("text") or params.get("blocks")):
                return {"ok": False, "error": "no_text"}
            ts = self._next_ts()
            thread_ts = params.get("thread_ts")
            more = {"metadata": params["metadata"]} if params.get("metadata") else {}
            self.add_message(
                channel,
                ts,
                params.get("text") or "",
                user=self.bot_user_id,
                thread_ts=thread_ts,
                bot_id=self.bot_id,
                **more,
            )
            message = {
                "ts": ts,
                "text": params.get("text"),
                "user": self.bot_user_id,
                "bot_id": self.bot_id,
            }
            return {"ok": True, "channel": channel, "ts": ts, "message": message}
        if method == "reactions.add":
            key = (params.get("channel"), params.get("timestamp"), params.get("name"))
            if not all(key):
                return {"ok": False, "error": "invalid_arguments"}
            with self._cond:
                if key in self._reactions:
                    return {"ok": False, "error": "already_reacted"}
                self._reactions.add(key)  # type: ignore[arg-type]
            return {"ok": True}
        if method == "conversations.replies":
            channel, ts = params.get("channel"), params.get("ts")
            with self._cond:
                thread = [
                    m
                    for m in self._messages.values()
                    if m.channel == channel and (m.ts == ts or m.thread_ts == ts)
                ]
            if not any(m.ts == ts for m in thread):
                return {"ok": False, "error": "thread_not_found"}
            thread.sort(key=lambda m: (m.ts != ts, m.ts))
            limit = int(params.get("limit") or 1000)
            return {
                "ok": True,
                "messages": [m.to_dict() for m in thread[:limit]],
                "has_more": len(thread) > limit,
            }
        if method in {"files.getUploadURLExternal", "files.completeUploadExternal"}:
            return self._files_answer(method, params)
        if method in {"conversations.info", "conversations.members", "conversations.open"}:
            return self._conversations_answer(method, params)
        if method in {"users.info", "conversations.list"}:
            return self._directory_answer(method, params)
        extra = self._answer_views_and_history(method, params)
        if extra is not None:
            return extra
        if method == "apps.connections.open":
            if not self.socket_url:
                return {"ok": False, "error": "invalid_auth"}
            return {"ok": True, "url": self.socket_url}
        return {"ok": False, "error": "unknown_method"}

    # -- views, history, membership (Home tab, shortcuts, backfill) ---------------------------

    def _answer_views_and_history(
        self, method: str, params: dict[str, Any]
    ) -> dict[str, Any] | None:
        if method in {"views.open", "views.publish", "views.update"}:
            return self._answer_view(method, params)
        if method == "conversations.history":
            return self._answer_history(params)
        if method == "users.conversations":
            return self._answer_user_conversations(params)
        if method == "usergroups.users.list":
            return self._answer_usergroup(params)
        if method == "chat.postEphemeral":
            if not (params.get("channel") and params.get("user")):
                return {"ok": False, "error": "invalid_arguments"}
            return {"ok": True, "message_ts": self._next_ts()}
        if method == "chat.update":
            key = (params.get("channel"), params.get("ts"))
            with self._cond:
                message = self._messages.get(key)  # type: ignore[arg-type]
                if message is None:
                    return {"ok": False, "error": "message_not_found"}
                message.text = params.get("text") or message.text
            return {"ok": True, "channel": key[0], "ts": key[1], "text": message.text}
        return None

    def _answer_usergroup(self, params: dict[str, Any]) -> dict[str, Any]:
        group = self.usergroups.get(str(params.get("usergroup") or ""))
        if group is None:
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": sorted(group)}

    def _answer_view(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        view = params.get("view")
        if isinstance(view, str):
            try:
                view = json.loads(view)
            except ValueError:
                return {"ok": False, "error": "invalid_arguments"}
        if not isinstance(view, dict) or not isinstance(view.get("blocks"), list):
            return {"ok": False, "error": "invalid_arguments"}
        if len(view["blocks"]) > 100:  # Slack's limit for modals and Home tabs
            return {"ok": False, "error": "invalid_arguments"}
        view_id = f"V{next(self._ts):08d}"
        if method == "views.update":
            if not params.get("view_id") or view.get("type") != "modal":
                return {"ok": False, "error": "invalid_arguments"}
            view_id = params["view_id"]
        elif method == "views.open":
            if not params.get("trigger_id"):
                return {"ok": False, "error": "invalid_trigger_id"}
            if view.get("type") != "modal" or len(view.get("title", {}).get("text", "")) > 24:
                return {"ok": False, "error": "invalid_arguments"}
        else:
            user = params.get("user_id")
            if not user or view.get("type") != "home":
                return {"ok": False, "error": "invalid_arguments"}
            with self._cond:
                self._views[user] = view
        return {"ok": True, "view": dict(view, id=view_id)}

    def _answer_history(self, params: dict[str, Any]) -> dict[str, Any]:
        """Newest first, ``oldest``/``latest`` bounds (exclusive unless ``inclusive``), cursors."""
        channel = str(params.get("channel") or "")
        limit = max(1, min(int(params.get("limit") or 100), 999))
        inclusive = str(params.get("inclusive", "")).lower() in {"1", "true"}
        oldest = float(params.get("oldest") or 0)
        latest = float(params.get("latest") or 1e12)
        with self._cond:
            stamps, keys = self._history_for(channel)
            low = (
                bisect.bisect_left(keys, oldest) if inclusive else bisect.bisect_right(keys, oldest)
            )
            if inclusive:
                high = bisect.bisect_right(keys, latest)
            else:
                high = bisect.bisect_left(keys, latest)
            cursor = str(params.get("cursor") or "")
            if cursor:  # opaque to clients: "next_ts:" + the oldest ts already sent
                if not cursor.startswith(_CURSOR):
                    return {"ok": False, "error": "invalid_cursor"}
                high = min(high, bisect.bisect_left(keys, float(cursor[len(_CURSOR) :])))
            start = max(low, high - limit)
            page = [self._messages[(channel, ts)].to_dict() for ts in reversed(stamps[start:high])]
        has_more = start > low
        next_cursor = f"{_CURSOR}{stamps[start]}" if has_more else ""
        return {
            "ok": True,
            "messages": page,
            "has_more": has_more,
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _history_for(self, channel: str) -> tuple[list[str], list[float]]:
        """The channel's message ts in order, and as floats for bisecting (caller holds lock)."""
        cached = self._history_index.get(channel)
        if cached is None:
            stamps = sorted(
                (m.ts for m in self._messages.values() if m.channel == channel), key=float
            )
            cached = (stamps, [float(ts) for ts in stamps])
            self._history_index[channel] = cached
        return cached

    def _answer_user_conversations(self, params: dict[str, Any]) -> dict[str, Any]:
        user = params.get("user") or self.bot_user_id
        limit = max(1, min(int(params.get("limit") or 100), 999))
        offset = int(params.get("cursor") or 0)
        with self._cond:
            channels = sorted(c for c, users in self._members.items() if user in users)
        page = channels[offset : offset + limit]
        more = offset + limit < len(channels)
        return {
            "ok": True,
            "channels": [{"id": c, "is_channel": c.startswith("C")} for c in page],
            "response_metadata": {"next_cursor": str(offset + limit) if more else ""},
        }
