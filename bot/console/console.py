"""A local console that plays Slack: type a line, see what the bot would post.

It starts the fake Slack Web API on 127.0.0.1, builds the very same Bolt app and listeners as
HTTP and Socket Mode (pointed at the fake), and turns each typed line into the signed request
Slack would send:

- ``/sentiment TEXT`` (or ``/sentiment --public TEXT``, ``/sentiment help``): a slash command;
- ``@bot TEXT``: a mention, delivered as both ``app_mention`` and ``message`` like Slack does;
  a bare ``@bot`` is a reply in the thread of your previous channel message;
- anything else: a message in the current channel, which may get a reaction;
- ``/as NAME`` and ``/in #NAME``: become someone else of the roster (``bot.console.roster``) or
  type in another channel; ``/who`` lists them. A known ``#name`` (or ``@name``) is sent as
  Slack sends a name picked from its list: ``<#C0DESIGN|design>``; an unknown one as typed.

Then it waits for the listeners (and a backfill they started) to finish and prints the
reactions and replies the bot made, as a person reads them in Slack: bold without asterisks,
``@you``/``@bob`` and ``#general`` instead of ``<@U...>``/``<#C...>``, emoji instead of
``:codes:``; when the bot stays quiet, the reason in plain words. The bot's own log lines go to
stderr (warnings and errors only), apart from the conversation on stdout.

``--demo`` (``run_console(demo=True)``) first fills #general with a month of several people's
messages (``bot.console.demo``) and has the admin type ``/sentiment mood backfill``, so the
real backfill reads them into a throwaway SQLite mood record, never ``DATABASE_URL``.
"""

from __future__ import annotations

import dataclasses
import html
import json
import logging
import re
import secrets
import shutil
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from slack_bolt import BoltRequest

from bot.app import create_app
from bot.console import slack_requests as payloads
from bot.console.demo import demo_history
from bot.console.fake_slack import RESPONSE_URL_METHOD, Call, FakeSlack
from bot.console.roster import CHANNELS, PEOPLE, find_channel, find_person
from bot.listener_pool import ListenerPool
from bot.settings import Settings
from model.prediction import Predictor

BANNER = """Sentiment bot console: a pretend workspace, no Slack needed. You are @alice in #general.
  type a message           -> the bot may react to it
  /sentiment TEXT          -> private answer (add --public to share, or try /sentiment help)
  @bot TEXT                -> the bot replies in a thread; a bare @bot judges your last message
  /as bob, /in #design     -> be someone else, type in another channel (/who lists them)
  quit (or Ctrl-D)         -> leave"""
DEMO_HINT = (
    "(demo ready: try /sentiment mood, /sentiment mood 7d, /sentiment status, "
    "/sentiment mood export)"
)
NEUTRAL_WHY = "neutral: no clear feeling either way"
BACKFILL_WAIT_SECONDS = 120.0

_MENTION = re.compile(r"(?<!\S)@(bot|sentiment)\b", re.I)
_CHANNEL_NAME = re.compile(r"(?<![\w&<])#([a-z0-9][a-z0-9_-]*)", re.I)
_PERSON_NAME = re.compile(r"(?<![\w<])@([a-z][a-z0-9._-]*)", re.I)

# The emoji the bot posts, as Slack shows them; any other code stays :as_typed:.
EMOJI = {
    "slightly_smiling_face": "\U0001f642",
    "slightly_frowning_face": "\U0001f641",
    "grey_question": "\u2754",
    "neutral_face": "\U0001f610",
    "thumbsup": "\U0001f44d",
    "+1": "\U0001f44d",
    "thumbsdown": "\U0001f44e",
    "-1": "\U0001f44e",
    "tada": "\U0001f389",
    "heart": "\u2764\ufe0f",
    "white_check_mark": "\u2705",
    "hourglass_flowing_sand": "\u23f3",
    "warning": "\u26a0\ufe0f",
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
            dedupe_db="",  # one process talking to a fake: its own record, no host file
        )
        self.bot_user = fake.bot_user_id
        self.person = PEOPLE[0]
        self.channel = CHANNELS[0]
        self._ids = {person.name: person.id for person in PEOPLE}
        for person in PEOPLE:
            fake.add_user(person.id, person.name, is_admin=person.admin)
        for channel in CHANNELS:
            members = [self._ids[name] for name in channel.members]
            fake.set_members(channel.id, [self.bot_user, *members], name=channel.name)
        self.bot = create_app(self.settings, predictor, listener_pool=ListenerPool(max_workers=2))
        self.pool = self.bot.pool
        self.last_message_ts: dict[str, str] = {}  # channel id -> your last message there
        self.demo_loaded = False
        self.outcomes = _Outcomes()
        events_log = logging.getLogger("bot.events")
        events_log.addHandler(self.outcomes)
        events_log.setLevel(logging.INFO)

    @property
    def prompt(self) -> str:
        return f"{self.person.name} in #{self.channel.name}> "

    # -- input -> signed Slack requests -----------------------------------------------------

    def _dispatch(self, body: str, content_type: str) -> int:
        headers = payloads.sign(self.secret, body)
        headers["Content-Type"] = content_type
        return self.bot.app.dispatch(BoltRequest(body=body, headers=headers)).status

    def _send_event(self, event: dict) -> int:
        body = payloads.json_body(payloads.event_callback(event, team_id=self.fake.team_id))
        return self._dispatch(body, "application/json")

    def _console_command(self, line: str) -> bool:
        """``/as``, ``/in`` and ``/who``: the console's own, never sent to the bot."""
        word, _, arg = line.partition(" ")
        word, arg = word.lower(), arg.strip()
        if word == "/who":
            people = ", ".join(f"@{p.name}" + (" (admin)" if p.admin else "") for p in PEOPLE)
            channels = ", ".join(f"#{c.name}" for c in CHANNELS)
            self._say(f"(people: {people}; channels: {channels})")
            self._say(f"(you are @{self.person.name} in #{self.channel.name})")
            return True
        if word == "/as":
            person = find_person(arg)
            if person is None:
                names = ", ".join(p.name for p in PEOPLE)
                self._say(f"(no one called {arg or '...'} here; try one of {names})")
            else:
                self.person = person
                role = ", a workspace admin" if person.admin else ""
                self._say(f"(you are now @{person.name}{role}, in #{self.channel.name})")
            return True
        if word == "/in":
            channel = find_channel(arg)
            if channel is None:
                names = ", ".join(f"#{c.name}" for c in CHANNELS)
                self._say(f"(no channel called {arg or '...'} here; try one of {names})")
            else:
                self.channel = channel
                self._say(f"(you are now typing in #{channel.name}, as @{self.person.name})")
            return True
        return False

    def _as_slack_sends(self, text: str, *, escaped: bool) -> str:
        """Known ``#name``/``@name`` as Slack sends a name picked from its list.

        ``escaped``: the slash command form (``should_escape``: ``<#C0DESIGN|design>``,
        ``<@U0BOB|bob>``); messages carry ``<@U0BOB>``. Unknown names stay as typed.
        """

        def channel(match: re.Match[str]) -> str:
            found = find_channel(match[1])
            return f"<#{found.id}|{found.name}>" if found else match[0]

        def person(match: re.Match[str]) -> str:
            found = find_person(match[1])
            if found is None:
                return match[0]
            return f"<@{found.id}|{found.name}>" if escaped else f"<@{found.id}>"

        return _PERSON_NAME.sub(person, _CHANNEL_NAME.sub(channel, text))

    def handle_line(self, line: str) -> None:
        """Turn one typed line into Slack deliveries and print what the bot posted."""
        line = line.strip()
        if not line or (line.startswith("/") and self._console_command(line)):
            return
        line = _slack_escape(line)  # what Slack does to every typed & < >
        mark = len(self.fake.calls())
        self.outcomes.take()
        user, channel = self.person.id, self.channel.id
        if line.startswith("/"):
            command, _, text = line.partition(" ")
            fields = payloads.slash_command(
                self._as_slack_sends(text, escaped=True),
                response_url=self.fake.response_url("console"),
                command=command,
                channel_id=channel,
                user_id=user,
                team_id=self.fake.team_id,
                channel_name=self.channel.name,
                user_name=self.person.name,
            )
            status = self._dispatch(payloads.form_body(fields), "application/x-www-form-urlencoded")
            if status == 404:
                self._say(f"(no such command here; try {self.settings.sentiment_command} help)")
                return
            kind = "command"
        elif _MENTION.search(line):
            slack_text = self._as_slack_sends(
                _MENTION.sub(f"<@{self.bot_user}>", line), escaped=False
            )
            ts = payloads.new_ts()
            extra = {}
            bare = not _MENTION.sub("", line).strip()
            if bare and self.last_message_ts.get(channel):
                extra["thread_ts"] = self.last_message_ts[channel]
                self._say("(as a reply in the thread of your last message)")
            self.fake.add_message(channel, ts, slack_text, user=user, **extra)
            # Slack delivers a mention twice: as app_mention and as a channel message.
            self._send_event(
                payloads.app_mention_event(slack_text, channel=channel, user=user, ts=ts, **extra)
            )
            self._send_event(
                payloads.message_event(slack_text, channel=channel, user=user, ts=ts, **extra)
            )
            kind = "mention"
        else:
            slack_text = self._as_slack_sends(line, escaped=False)
            ts = payloads.new_ts()
            self.fake.add_message(channel, ts, slack_text, user=user)
            self.last_message_ts[channel] = ts
            self._send_event(payloads.message_event(slack_text, channel=channel, user=user, ts=ts))
            kind = "message"
        if not self.pool.wait_idle(timeout=30) or not _wait_for_backfills(BACKFILL_WAIT_SECONDS):
            self._say("(the bot is still working; its answer will show up later)")
        self._show(self.fake.calls()[mark:], kind)

    # -- the demo ------------------------------------------------------------------------------

    def load_demo(self) -> None:
        """Fill #general with a month of chat, then have the admin backfill it (the real path)."""
        if self.demo_loaded:
            self._say("(the demo is already loaded)")
            return
        general, admin = CHANNELS[0], next(p for p in PEOPLE if p.admin)
        people = [self._ids[name] for name in general.members]
        now = datetime.now(UTC)
        history = demo_history(now, ZoneInfo(self.settings.mood_timezone), people)
        self.fake.add_history(general.id, history)
        self.demo_loaded = True
        talkers = len({m["user"] for m in history})
        self._say(
            f"(demo: #{general.name} now holds {len(history)} messages from {talkers} people "
            f"over the last 30 days; @{admin.name}, a workspace admin, reads them in)"
        )
        person, channel = self.person, self.channel
        self.person, self.channel = admin, general
        command = f"{self.settings.sentiment_command} mood backfill"
        self._say(f"demo types: {command}")
        try:
            self.handle_line(command)
        finally:
            self.person, self.channel = person, channel
        self._say(DEMO_HINT)

    # -- fake Slack calls -> what a person would see -----------------------------------------

    def _say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def _channel_name(self, channel_id: object) -> str:
        found = next((c for c in CHANNELS if c.id == channel_id), None)
        return f"#{found.name}" if found else f"#{channel_id}"

    def _show(self, calls: list[Call], kind: str) -> None:
        visible = [c for c in calls if c.method not in _BACKSTAGE]
        # An edited message is shown once, as it reads in the end, after what came before it.
        edits = {}
        for call in visible:
            if call.method == "chat.update" and call.ok:
                edits[(call.params.get("channel"), call.params.get("ts"))] = call
        for call in [c for c in visible if c.method != "chat.update" or not c.ok] + list(
            edits.values()
        ):
            if not call.ok:
                self._say(f"bot: (Slack call {call.method} failed: {call.error})")
            elif call.method == "reactions.add":
                self._say(f"bot reacts {_emoji(str(call.params.get('name')))} to your message")
            elif call.method == "chat.postMessage":
                if call.params.get("thread_ts"):
                    self._say("bot replies in the thread:")
                else:
                    self._say(f"bot posts in {self._channel_name(call.params.get('channel'))}:")
                self._say(_indent(self._render(call.params)))
            elif call.method == "chat.update":
                where = self._channel_name(call.params.get("channel"))
                self._say(f"bot edits its message in {where}:")
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
            if outcome == "no_reaction" and "neutral" in detail.lower():
                return NEUTRAL_WHY
            if outcome == "no_reaction" and name == "verdict":
                # A verdict this console does not know by name (the rule gained one): say it.
                return f"the verdict was {value.replace('_', ' ') or 'no reaction'}"
            if outcome == "skipped" and detail in _SKIPPED:
                return _SKIPPED[detail]
            if outcome in {"error", "failed"}:
                return f"something went wrong ({detail or outcome})"
        return ""

    def _names(self) -> dict[str, str]:
        """How ids read in replies: ``@you`` for you, others by name, ``#general``."""
        names = {p.id: p.name for p in PEOPLE} | {c.id: c.name for c in CHANNELS}
        return names | {self.person.id: "you", self.bot_user: "bot"}

    def _render(self, params: dict) -> str:
        """Block Kit as a person reads it in Slack: section and context texts, one per line."""
        lines = []
        for block in params.get("blocks") or []:
            if block.get("type") == "section":
                lines.append(block.get("text", {}).get("text", ""))
            elif block.get("type") == "context":
                lines.extend(el.get("text", "") for el in block.get("elements", []))
        text = "\n".join(lines) if lines else str(params.get("text") or "")
        return plain_text(text, self._names())

    def _show_upload(self, call: Call) -> None:
        """A shared chart or file: say where Slack would show it and save it to look at."""
        channel = call.params.get("channel_id") or ""
        if channel.startswith("D"):
            where = "in your DM with the bot"
        else:
            where = f"in {self._channel_name(channel)}" if channel else "privately"
        folder = Path(tempfile.gettempdir()) / "sentiment-console"
        folder.mkdir(exist_ok=True)
        for item in json.loads(call.params.get("files") or "[]"):
            upload = self.fake.files.get(item.get("id"))
            if upload is None or upload.data is None:
                continue
            path = folder / upload.filename
            path.write_bytes(upload.data)
            what = "a chart" if upload.filename.endswith(".png") else "a file"
            size = len(upload.data)
            shown = f"{size // 1024} KB" if size >= 1024 else f"{size} bytes"
            self._say(f"bot shares {what} {where} ({shown}): {path}")
        if call.params.get("initial_comment"):
            comment = str(call.params["initial_comment"])
            self._say(_indent(plain_text(comment, self._names())))

    def close(self) -> None:
        logging.getLogger("bot.events").removeHandler(self.outcomes)
        _wait_for_backfills(BACKFILL_WAIT_SECONDS)
        self.pool.shutdown(wait=True)
        self.bot.mood.close()


def _wait_for_backfills(timeout: float) -> bool:
    """Wait for a backfill a command started (its thread, ``bot.backfill.job``); True if done.

    The console shows a command's whole effect at once, the backfill's final progress message
    included, rather than letting it spill into the next line's output.
    """
    deadline = time.monotonic() + timeout
    for thread in threading.enumerate():
        if thread.name.startswith("backfill-"):
            thread.join(max(0.0, deadline - time.monotonic()))
    return not any(t.name.startswith("backfill-") and t.is_alive() for t in threading.enumerate())


_BACKSTAGE = frozenset(
    {
        "auth.test",
        "conversations.replies",
        "conversations.info",
        "conversations.members",
        "conversations.open",
        "conversations.history",
        "conversations.list",
        "users.info",
        "users.conversations",
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
    """Slack mrkdwn as Slack displays it, in plain text (linear: every pattern is bounded).

    ``names``: user and channel ids -> the names Slack shows (``<#C0GENERAL>`` -> ``#general``).
    """
    text = _USER_REF.sub(lambda m: "@" + (names.get(m[1]) or m[2] or "someone"), mrkdwn)
    text = _CHANNEL_REF.sub(lambda m: "#" + (names.get(m[1]) or m[2] or m[1]), text)
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
    *,
    demo: bool = False,
) -> int:
    """Run the console until ``quit`` or end of input; returns the process exit code.

    ``demo``: start with a month of #general read in by the backfill, into a SQLite file in a
    temporary folder (deleted on exit), so trying it never writes to ``DATABASE_URL``.
    """
    stdin = stdin or sys.stdin
    out = out or sys.stdout
    _configure_console_logging(err or sys.stderr)
    folder = None
    if demo:
        folder = tempfile.mkdtemp(prefix="sentiment-demo-")
        demo_db = f"sqlite:///{Path(folder) / 'demo.sqlite3'}"
        settings = dataclasses.replace(settings, database_url=demo_db, mood_tracking=True)
    try:
        with FakeSlack() as fake:
            console = Console(settings, predictor, out, fake)
            interactive = stdin.isatty()
            print(BANNER, file=out, flush=True)
            try:
                if demo:
                    console.load_demo()
                while True:
                    if interactive:
                        print(console.prompt, end="", file=out, flush=True)
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
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
    return 0
