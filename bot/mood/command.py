"""``/sentiment mood [7d|30d|90d] [#channel] [--public]``, ``mood off|on``, ``mood min-people N``,
``mood export [7d|30d|90d] [#channel]``, ``optout|optin``.

Pure parsing (no Slack, no database). ``--public`` is already taken out by
``bot.slack.text.parse_command``. A channel arrives as ``<#C123|name>`` because the command is
registered with ``should_escape`` (slack_manifest.json); a bare ``#name`` cannot be resolved
without listing every channel, so it gets an error that says to pick it from Slack's list.
Text with a word this parser does not know returns None: ``bot.commands_help`` then decides
whether it was a mistyped subcommand ("mood banana": usage help) or text ("mood swings are
awful today": analysed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PERIODS = {"7d": 7, "30d": 30, "90d": 90}
DEFAULT_DAYS = 30
_CHANNEL = re.compile(r"<#([CG][A-Z0-9]{1,30})(?:\|[^>]*)?>")
_LOOKS_LIKE_PERIOD = re.compile(r"\d+\s*[a-z]*", re.I)
OPT_OUT_WORDS = frozenset({"optout", "opt-out", "opt_out"})
OPT_IN_WORDS = frozenset({"optin", "opt-in", "opt_in"})
MIN_PEOPLE_WORDS = frozenset({"min-people", "min_people", "minpeople"})


@dataclass(frozen=True)
class MoodRequest:
    """What a mood-related invocation asked for; ``error`` set when it was malformed."""

    action: str  # "show", "off", "on", "optout", "optin", "min_people", "export"
    days: int = DEFAULT_DAYS
    channel_id: str | None = None
    public: bool = False
    error: str | None = None
    min_people: int | None = None


def parse_mood_request(text: str, public: bool) -> MoodRequest | None:
    """The mood request in ``text`` (flags removed), or None when it is text to analyse."""
    words = text.split()
    if not words:
        return None
    first = words[0].lower()
    if len(words) == 1 and first in OPT_OUT_WORDS:
        return MoodRequest("optout")
    if len(words) == 1 and first in OPT_IN_WORDS:
        return MoodRequest("optin")
    if first != "mood":
        return None
    rest = words[1:]
    if rest and rest[0].lower() == "export":
        return _parse_export(rest[1:])
    if len(rest) == 1 and rest[0].lower() in {"off", "on"}:
        return MoodRequest(rest[0].lower(), public=True)
    if rest and rest[0].lower() in MIN_PEOPLE_WORDS:
        if len(rest) == 2 and rest[1].isdigit() and len(rest[1]) <= 6:
            return MoodRequest("min_people", min_people=int(rest[1]))
        return MoodRequest("min_people", error="min_people")
    days, channel, problem = DEFAULT_DAYS, None, None
    periods, channels = 0, 0
    for word in rest:
        lowered = word.lower()
        match = _CHANNEL.fullmatch(word)
        if lowered in PERIODS:
            days, periods = PERIODS[lowered], periods + 1
        elif match:
            channel, channels = match.group(1), channels + 1
        elif word.startswith("#"):
            problem = "channel_name"
        elif _LOOKS_LIKE_PERIOD.fullmatch(word):
            problem = "period"
        else:
            return None  # "mood swings are awful": analyse it as text
    if periods > 1:
        problem = "periods"  # "mood 7d 30d": say so rather than silently take the last
    elif channels > 1:
        problem = "channels"
    if problem:
        return MoodRequest("show", days, channel, public, error=problem)
    return MoodRequest("show", days, channel, public)


def _parse_export(words: list[str]) -> MoodRequest:
    """``mood export [7d|30d|90d] [#channel]``: the CSV goes to the asker's DM, never public."""
    days, channel = DEFAULT_DAYS, None
    for word in words:
        match = _CHANNEL.fullmatch(word)
        if word.lower() in PERIODS:
            days = PERIODS[word.lower()]
        elif match:
            channel = match.group(1)
        elif word.startswith("#"):
            return MoodRequest("export", days, channel, error="channel_name")
        else:
            return MoodRequest("export", days, channel, error="period")
    return MoodRequest("export", days, channel)
