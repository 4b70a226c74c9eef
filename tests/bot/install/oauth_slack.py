"""A fake Slack that installs workspaces: ``oauth.v2.access`` (codes and refresh tokens),
``auth.test`` per token, and every other method refused without a token it issued.

Each token is long and random, so a scan of the database or the logs for it means something.
"""

from __future__ import annotations

import secrets
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode

from bot.console.fake_slack import Answer
from tests.helpers.fake_slack import FakeSlack

APP_ID = "A0OAUTH01"
CLIENT_ID = "111.222"
CLIENT_SECRET = "3f1c0ffee0secret4tests"


@dataclass
class Workspace:
    """One workspace (or Grid org, for an org-wide install) that can install the app."""

    code: str
    team_id: str | None
    enterprise_id: str | None = None
    org_install: bool = False
    bot_user_id: str = "UBOTX"
    rotation: bool = False
    expires_in: int = 60  # first token's lifetime with rotation (under Bolt's 120-minute margin)
    tokens: list[str] = field(default_factory=list)  # every bot token issued, newest last
    refresh_tokens: list[str] = field(default_factory=list)

    @property
    def token(self) -> str:
        return self.tokens[-1]

    @property
    def secrets(self) -> list[str]:
        return [*self.tokens, *self.refresh_tokens]


class OAuthSlack(FakeSlack):
    """The tests' fake Slack plus installs; ``refreshes`` counts refresh-token exchanges."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.workspaces: dict[str, Workspace] = {}
        self.refreshes = 0
        self.refresh_delay = 0.0  # seconds a refresh takes (to widen a race between refreshers)
        self.auth_test_delay = 0.0  # seconds auth.test takes (to widen a race between lookups)
        self._lock = threading.Lock()

    def add_workspace(self, workspace: Workspace) -> Workspace:
        self.workspaces[workspace.code] = workspace
        return workspace

    def _issue(self, workspace: Workspace) -> dict[str, Any]:
        prefix = "xoxe.xoxb-1-" if workspace.rotation else "xoxb-"
        token = f"{prefix}{secrets.token_hex(24)}"
        workspace.tokens.append(token)
        answer: dict[str, Any] = {"access_token": token, "token_type": "bot"}
        if workspace.rotation:
            refresh = f"xoxe-1-{secrets.token_hex(40)}"
            workspace.refresh_tokens.append(refresh)
            lifetime = workspace.expires_in if len(workspace.tokens) == 1 else 43200
            answer.update(refresh_token=refresh, expires_in=lifetime)
        return answer

    def _owner(self, token: str | None) -> Workspace | None:
        return next((w for w in self.workspaces.values() if token and token in w.tokens), None)

    def _reply(self, method: str, params: dict[str, Any], token: str | None) -> Answer:
        if method == "oauth.v2.access":
            if params.get("grant_type") == "refresh_token":
                time.sleep(self.refresh_delay)
            with self._lock:
                return Answer(200, self._oauth(params))
        if method == "auth.test":
            time.sleep(self.auth_test_delay)
            owner = self._owner(token)
            if owner is None:
                return Answer(200, {"ok": False, "error": "invalid_auth"})
            return Answer(
                200,
                {
                    "ok": True,
                    "url": "https://fake.slack.com/",
                    "team_id": owner.team_id,
                    "enterprise_id": owner.enterprise_id,
                    "user_id": owner.bot_user_id,
                    "bot_id": "B" + owner.bot_user_id[1:],
                    "is_enterprise_install": owner.org_install,
                },
            )
        if method.startswith(("chat.", "reactions.", "conversations.", "files.", "views.")):
            if self._owner(token) is None:
                return Answer(200, {"ok": False, "error": "invalid_auth"})
        return super()._reply(method, params, token)

    def _oauth(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("grant_type") == "refresh_token":
            refresh = params.get("refresh_token")
            owner = next((w for w in self.workspaces.values() if refresh in w.refresh_tokens), None)
            if owner is None:
                return {"ok": False, "error": "invalid_refresh_token"}
            self.refreshes += 1
            return {"ok": True, **self._issue(owner)}
        workspace = self.workspaces.get(str(params.get("code")))
        if workspace is None:
            return {"ok": False, "error": "invalid_code"}
        tokens = self._issue(workspace)
        return {
            "ok": True,
            "app_id": APP_ID,
            "authed_user": {"id": "UINSTALLER"},
            "scope": "chat:write,reactions:write",
            "bot_user_id": workspace.bot_user_id,
            "team": {"id": workspace.team_id, "name": "Team"} if workspace.team_id else None,
            "enterprise": (
                {"id": workspace.enterprise_id, "name": "Org"} if workspace.enterprise_id else None
            ),
            "is_enterprise_install": workspace.org_install,
            **tokens,
        }


def get(url: str, cookie: str | None = None) -> tuple[int, dict[str, str], str]:
    """GET ``url`` (no redirects followed); status, headers (lower-case), body."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, _headers(response), response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, _headers(err), err.read().decode()


def _headers(response: Any) -> dict[str, str]:
    return {name.lower(): value for name, value in response.headers.items()}


def install(base_url: str, code: str) -> tuple[int, str]:
    """Install as a browser would: /slack/install (state cookie), then the redirect with it."""
    status, headers, page = get(base_url + "/slack/install")
    assert status == 200, (status, page)
    cookie = SimpleCookie(headers["set-cookie"])
    state = cookie["slack-app-oauth-state"].value
    assert state in page  # the Add to Slack link carries the same state
    query = urlencode({"code": code, "state": state})
    status, _, page = get(
        f"{base_url}/slack/oauth_redirect?{query}", cookie=f"slack-app-oauth-state={state}"
    )
    return status, page


def wait(predicate: Any, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return bool(predicate())
