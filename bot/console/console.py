"""A local console that plays Slack: type a line, see what the bot would post.

It starts the fake Slack Web API on 127.0.0.1, builds the very same Bolt app and listeners as
HTTP and Socket Mode (pointed at the fake), and turns each typed line into the signed request
Slack would send:

- ``/sentiment TEXT`` (or ``/sentiment --public TEXT``, ``/sentiment help``): a slash command;
- ``@bot TEXT``: a mention, delivered as both ``app_mention`` and ``message`` like Slack does;
  a bare ``@bot`` is a reply in the thread of your previous channel message;
- anything else: a message in #general, which may get a reaction.

Then it waits for the listeners to finish and prints the reactions and replies the bot made,
as a person reads them in Slack: bold without asterisks, ``@you`` instead of ``<@U...>``, emoji
instead of ``:codes:``; when the bot stays quiet, the reason in plain words. The bot's own log
lines go to stderr (warnings and errors only), apart from the conversation on stdout.
"""

from __future__ import annotations

import dataclasses
import html
import json
import logging
import re
import secrets
import sys
import tempfile
import threading
from pathlib import Path
from typing import TextIO

from slack_bolt import BoltRequest

from bot.app import create_app
from bot.console import slack_requests as payloads
from bot.console.fake_slack import RESPONSE_URL_METHOD, Call, FakeSlack
from bot.listener_pool import ListenerPool
from bot.settings import Settings
from model.prediction import Predictor

CHANNEL = "C0CONSOLE"
USER = "UCONSOLE1"
BANNER = """Sentiment bot console: a pretend #general channel, no Slack needed.
  type a message           -> the bot may react to it
  /sentiment TEXT          -> private answer (add --public to share, or try /sentiment help)
  @bot TEXT                -> the bot replies in a thread; a bare @bot judges your last message
  quit (or Ctrl-D)         -> leave"""

_MENTION = re.compile(r"(?<!\S)@(bot|sentiment)\b", re.I)

# The emoji the bot posts, as Slack shows them; any other code stays :as_typed:.
EMOJI = {
    "slightly_smiling_face": "\U0001f642",
    "slightly_frowning_face": "\U0001f641",
    "grey_question": "\u2754",
    "thumbsup": "\U0001f44d",
    "+1": "\U0001f44d",
    "thumbsdown": "\U0001f44e",
    "-1": "\U0001f44e",
    "tada": "\U0001f389",
    "heart": "\u2764\ufe0f",
}
_OUTCOME = re.compile(r"handled surface=(\S+) .*?outcome=(\S+)(?: detail=(\S+))?")


class _Outcomes(logging.Handler):
    """Collects the bot's ``handled ...`` lines, so the console can say why it stayed quiet."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.seen: list[tuple[str, str, str]] = []
        self._lock_seen = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        match = _OUTCOME.match(record.getMessage())
        if match:
            with self._lock_seen:
                self.seen.append((match[1], match[2], match[3] or ""))

    def take(self) -> list[tuple[str, str, str]]:
        with self._lock_seen:
            seen, self.seen = self.seen, []
        return seen


class Console:
    """Drives a Bolt app built by ``create_app`` through typed lines; prints what it posts."""

    def __init__(
        self,
        settings: Settings,
        predictor: Predictor,
        out: TextIO,
        fake: FakeSlack,
    ) -> None:
        self.out = out
        self.fake = fake
        self.secret = secrets.token_hex(16)
        self.settings = dataclasses.replace(
            settings,
            slack_bot_token="xoxb-console",
            slack_app_token="",
            slack_signing_secret=self.secret,
            slack_api_url=fake.base_url,
        )
        self.bot = create_app(self.settings, predictor, listener_pool=ListenerPool(max_workers=2))
        self.pool = self.bot.pool
        self.bot_user = fake.bot_user_id
        self.last_message_ts: str | None = None
        self.outcomes = _Outcomes()
        events_log = logging.getLogger("bot.events")
        events_log.addHandler(self.outcomes)
        events_log.setLevel(logging.INFO)

    # -- input -> signed Slack requests -----------------------------------------------------

    def _dispatch(self, body: str, content_type: str) -> int:
        headers = payloads.sign(self.secret, body)
        headers["Content-Type"] = content_type
        return self.bot.app.dispatch(BoltRequest(body=body, headers=headers)).status

    def _send_event(self, event: dict) -> int:
        body = payloads.json_body(payloads.event_callback(event, team_id=self.fake.team_id))
        return self._dispatch(body, "application/json")

    def handle_line(self, line: str) -> None:
        """Turn one typed line into Slack deliveries and print what the bot posted."""
        line = line.strip()
        if not line:
            return
        line = _slack_escape(line)  # what Slack does to every typed & < >
        mark = len(self.fake.calls())
        self.outcomes.take()
        if line.startswith("/"):
            command, _, text = line.partition(" ")
            fields = payloads.slash_command(
                text,
                response_url=self.fake.response_url("console"),
                command=command,
                channel_id=CHANNEL,
                user_id=USER,
                team_id=self.fake.team_id,
            )
            status = self._dispatch(payloads.form_body(fields), "application/x-www-form-urlencoded")
            if status == 404:
                self._say(f"(no such command here; try {self.settings.sentiment_command} help)")
                return
            kind = "command"
        elif _MENTION.search(line):
            slack_text = _MENTION.sub(f"<@{self.bot_user}>", line)
            ts = payloads.new_ts()
            extra = {}
            bare = not _MENTION.sub("", line).strip()
            if bare and self.last_message_ts:
                extra["thread_ts"] = self.last_message_ts
                self._say("(as a reply in the thread of your last message)")
            self.fake.add_message(CHANNEL, ts, slack_text, user=USER, **extra)
            # Slack delivers a mention twice: as app_mention and as a channel message.
            self._send_event(
                payloads.app_mention_event(slack_text, channel=CHANNEL, user=USER, ts=ts, **extra)
            )
            self._send_event(
                payloads.message_event(slack_text, channel=CHANNEL, user=USER, ts=ts, **extra)
            )
            kind = "mention"
        else:
            ts = payloads.new_ts()
            self.fake.add_message(CHANNEL, ts, line, user=USER)
            self.last_message_ts = ts
            self._send_event(payloads.message_event(line, channel=CHANNEL, user=USER, ts=ts))
            kind = "message"
        if not self.pool.wait_idle(timeout=30):
            self._say("(the bot is still working; its answer will show up later)")
        self._show(self.fake.calls()[mark:], kind)

    # -- fake Slack calls -> what a person would see -----------------------------------------

    def _say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def _show(self, calls: list[Call], kind: str) -> None:
        visible = [c for c in calls if c.method not in _BACKSTAGE]
        for call in visible:
            if not call.ok:
                self._say(f"bot: (Slack call {call.method} failed: {call.error})")
            elif call.method == "reactions.add":
                self._say(f"bot reacts {_emoji(str(call.params.get('name')))} to your message")
            elif call.method == "chat.postMessage":
                self._say("bot replies in the thread:")
                self._say(_indent(self._render(call.params)))
            elif call.method == "files.completeUploadExternal":
                self._show_upload(call)
            elif call.method == RESPONSE_URL_METHOD:
                where = call.params.get("response_type")
                who = "shared in the channel" if where == "in_channel" else "only you can see this"
                self._say(f"bot ({who}):")
                self._say(_indent(self._render(call.params)))
            else:
                self._say(f"bot calls {call.method}")
        if not visible:
            why = self._why_quiet(self.outcomes.take())
            if kind == "message":
                self._say(f"(no reaction: {why})" if why else "(no reaction)")
            else:
                self._say(f"(nothing posted: {why})" if why else "(nothing posted)")

    def _why_quiet(self, outcomes: list[tuple[str, str, str]]) -> str:
        """The bot's own reason for staying quiet, in words (from its log line, no text)."""
        rule = self.settings
        for _surface, outcome, detail in outcomes:
            name, _, value = detail.partition("=")
            if outcome == "no_reaction" and name == "few_known_words":
                known, _, words = value.partition("/")
                return (
                    f"I know {known} of its {words} words, and I need at least "
                    f"{rule.min_known_words} and {round(rule.min_known_share * 100)}%"
                )
            if outcome == "no_reaction" and name == "confidence":
                return (
                    f"only {round(float(value) * 100)}% sure, and I react at "
                    f"{round(rule.reaction_threshold * 100)}% or more"
                )
            if outcome == "skipped" and detail in _SKIPPED:
                return _SKIPPED[detail]
            if outcome in {"error", "failed"}:
                return f"something went wrong ({detail or outcome})"
        return ""

    def _render(self, params: dict) -> str:
        """Block Kit as a person reads it in Slack: section and context texts, one per line."""
        lines = []
        for block in params.get("blocks") or []:
            if block.get("type") == "section":
                lines.append(block.get("text", {}).get("text", ""))
            elif block.get("type") == "context":
                lines.extend(el.get("text", "") for el in block.get("elements", []))
        text = "\n".join(lines) if lines else str(params.get("text") or "")
        return plain_text(text, {USER: "you", self.bot_user: "bot"})

    def _show_upload(self, call: Call) -> None:
        """A shared chart: say where Slack would show it and save the PNG to look at."""
        channel = call.params.get("channel_id") or ""
        where = "in your DM with the bot" if channel.startswith("D") else "in the channel"
        folder = Path(tempfile.gettempdir()) / "sentiment-console"
        folder.mkdir(exist_ok=True)
        for item in json.loads(call.params.get("files") or "[]"):
            upload = self.fake.files.get(item.get("id"))
            if upload is None or upload.data is None:
                continue
            path = folder / upload.filename
            path.write_bytes(upload.data)
            self._say(f"bot shares a chart {where} ({len(upload.data) // 1024} KB): {path}")
        if call.params.get("initial_comment"):
            comment = str(call.params["initial_comment"])
            self._say(_indent(plain_text(comment, {USER: "you", self.bot_user: "bot"})))

    def close(self) -> None:
        logging.getLogger("bot.events").removeHandler(self.outcomes)
        self.pool.shutdown(wait=True)
        self.bot.mood.close()


_BACKSTAGE = frozenset(
    {
        "auth.test",
        "conversations.replies",
        "conversations.info",
        "conversations.members",
        "conversations.open",
        "files.getUploadURLExternal",
        "upload",
    }
)


_SKIPPED = {
    "no_words": "nothing left to judge once mentions, links, code and quotes are removed",
    "reactions_off": "REACTIONS_ENABLED is off",
    "not_allowed": "this channel is not in REACTION_CHANNELS",
    "denied": "this channel is in REACTION_CHANNELS_DENY",
    "thread_reply": "REACT_IN_THREADS is off",
}

_USER_REF = re.compile(r"<@([A-Z0-9]+)(?:\|([^>]*))?>")
_CHANNEL_REF = re.compile(r"<#([A-Z0-9]+)(?:\|([^>]*))?>")
_LINK = re.compile(r"<([^<>|]+)\|([^<>]*)>|<([^<>|]+)>")
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")
_STRIKE = re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])")
_EMOJI_CODE = re.compile(r":([a-z0-9_+\-]+):")


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _emoji(name: str) -> str:
    return EMOJI.get(name, f":{name}:")


def plain_text(mrkdwn: str, names: dict[str, str]) -> str:
    """Slack mrkdwn as Slack displays it, in plain text (linear: every pattern is bounded)."""
    text = _USER_REF.sub(lambda m: "@" + (names.get(m[1]) or m[2] or "someone"), mrkdwn)
    text = _CHANNEL_REF.sub(lambda m: "#" + (m[2] or m[1]), text)
    text = _LINK.sub(lambda m: m[2] if m[1] else m[3], text)
    for pattern in (_BOLD, _ITALIC, _STRIKE):
        text = pattern.sub(r"\1", text)
    text = _EMOJI_CODE.sub(lambda m: _emoji(m[1]), text)
    return html.unescape(text)  # &amp; &lt; &gt; last, so an escaped "<@U1>" stays text


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines() or [""])


def _configure_console_logging(err: TextIO) -> None:
    """The bot's warnings and errors on stderr, apart from the conversation on stdout.

    Why the bot stayed quiet is told in the conversation itself (``_why_quiet``); its per-event
    ``handled`` lines are only read for that, not printed.
    """
    handler = logging.StreamHandler(err)
    handler.setFormatter(logging.Formatter("bot log: %(levelname)s %(message)s"))
    handler.setLevel(logging.WARNING)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    # An unknown /command is answered by the console itself; Bolt's hint would only confuse.
    logging.getLogger("bot.bolt").setLevel(logging.ERROR)


def run_console(
    settings: Settings,
    predictor: Predictor,
    stdin: TextIO | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Run the console until ``quit`` or end of input; returns the process exit code."""
    stdin = stdin or sys.stdin
    out = out or sys.stdout
    _configure_console_logging(err or sys.stderr)
    with FakeSlack() as fake:
        console = Console(settings, predictor, out, fake)
        interactive = stdin.isatty()
        print(BANNER, file=out, flush=True)
        try:
            while True:
                if interactive:
                    print("> ", end="", file=out, flush=True)
                line = stdin.readline()
                if not line:
                    break
                if line.strip().lower() in {"quit", "exit", ":q"}:
                    break
                if not interactive:
                    print(f"> {line.rstrip()}", file=out, flush=True)
                console.handle_line(line)
        except KeyboardInterrupt:
            print("", file=out)
        finally:
            console.close()
    return 0
