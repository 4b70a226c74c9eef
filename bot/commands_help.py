"""Every ``/sentiment`` subcommand in one list, and what a mistyped one was meant to be (pure).

The list is what ``/sentiment help`` shows and what the did-you-mean compares against, so a new
subcommand is added here once. Each feature still parses its own words (``bot.mood.command``,
``bot.digests.command``, ``bot.backfill.command``); this module only decides, for text that no
parser claimed, whether it was a subcommand attempt (answered with usage help) or text to
judge.

A subcommand attempt (never given a sentiment verdict):
- the first word is a subcommand (``mood``, ``digest``, ``status``, ``optout``, ``optin``,
  ``help``) and either the text has at most two words (``mood banana``, ``help me``,
  ``optout now``) or every other word looks like an argument (a period, a number, a
  #channel, a weekday, a time, a subcommand word such as ``off`` or ``backfill``, or a filler
  such as ``now`` or ``please``);
- or the first word is a second-level word on its own (``backfill``, ``min-people``,
  ``weekly``) followed only by argument-like words;
- or the first word is within a small edit distance of a subcommand word (difflib ratio at
  least 0.8, or 0.75 when argument-like words follow): ``moood 7d``, ``stauts``, ``optuot``.
Anything else is text: ``mood swings are awful today`` (sentences about a mood), ``good``
(one letter from ``mood``, but a word people want judged), ``digestion is terrible``.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

MAX_ATTEMPT_CHARS = 120  # longer text is something to judge, not a mistyped command
MAX_ATTEMPT_WORDS = 6
FUZZY_ALONE = 0.8  # how close a lone mistyped first word must be (difflib ratio)
FUZZY_WITH_ARGUMENTS = 0.75  # ... when argument-like words follow it ("mpod 7d")
SECOND_CUTOFF = 0.6  # how close a second word must be to suggest it ("backfil", "of")


@dataclass(frozen=True)
class Subcommand:
    """One subcommand: its words, how to type it, what it does, and who may use it."""

    words: str  # "mood backfill"
    usage: str  # "mood backfill", "digest time DAY HH:MM"
    what: str
    admin: bool = False  # workspace admins, owners or the MOOD_ADMIN_GROUP only


SUBCOMMANDS: tuple[Subcommand, ...] = (
    Subcommand("help", "help", "this list."),
    Subcommand(
        "mood",
        "mood [7d|30d|90d] [#channel] [--public]",
        "a channel's mood over time: the chart and the numbers. Only you see it unless --public.",
    ),
    Subcommand(
        "mood export",
        "mood export [7d|30d|90d] [#channel]",
        "the daily numbers as a CSV file, in your DM (days too small to show are left out).",
    ),
    Subcommand(
        "mood off", "mood off", "stop counting in this channel (anyone; the channel is told)."
    ),
    Subcommand("mood on", "mood on", "count in this channel again (the channel is told).", True),
    Subcommand(
        "mood backfill",
        "mood backfill",
        "read the channel's last days of history into the mood record.",
        True,
    ),
    Subcommand(
        "mood min-people",
        "mood min-people N",
        "raise this workspace's minimum group size (never below the operator's).",
        True,
    ),
    Subcommand(
        "digest", "digest", "whether this channel gets the weekly digest, and when it goes out."
    ),
    Subcommand(
        "digest weekly",
        "digest weekly",
        "a weekly mood digest in this channel (anyone; the channel is told).",
    ),
    Subcommand("digest off", "digest off", "stop this channel's digest (the channel is told)."),
    Subcommand(
        "digest time",
        "digest time DAY HH:MM",
        "when this workspace's digests go out (told in every channel that gets one).",
        True,
    ),
    Subcommand(
        "status",
        "status",
        "what is tracked and where, digests, the minimum group size, what is stored.",
    ),
    Subcommand("optout", "optout", "no reactions to and no counting of your messages."),
    Subcommand("optin", "optin", "undo optout."),
)

_BY_WORDS = {s.words: s for s in SUBCOMMANDS}
HEADS = frozenset(s.words.split()[0] for s in SUBCOMMANDS)
_ALIASES = {"opt-out": "optout", "opt_out": "optout", "opt-in": "optin", "opt_in": "optin"}
# Second words typed on their own: "backfill" means "mood backfill".
_LONE_SECONDS = {"backfill": "mood backfill", "min-people": "mood min-people"}
_LONE_SECONDS["weekly"] = "digest weekly"
_SECONDS = frozenset(s.words.split()[1] for s in SUBCOMMANDS if " " in s.words)
_FILLERS = frozenset({"now", "me", "please", "pls", "all", "here", "this", "channel", "the"})
_OTHER_ARGUMENTS = frozenset({"daily", "monthly", "export", "7d", "30d", "90d", "people"})
_WEEKDAYS = frozenset(
    "mon tue wed thu fri sat sun monday tuesday wednesday thursday friday saturday sunday".split()
)
_ARGUMENT = re.compile(r"(\d+[a-z]*|\d{1,2}:\d{2}|<[#@!][^>]*>|#[\w-]+|--?\w+)", re.I)


@dataclass(frozen=True)
class Attempt:
    """Text taken as a subcommand attempt: the closest subcommand and what was wrong.

    ``suggestion`` is the corrected text when a word was mistyped ("mood backfill" for
    "mood backfil"); otherwise ``extra`` holds the words the subcommand does not take.
    """

    closest: Subcommand
    extra: str = ""
    suggestion: str = ""


def _argument_like(word: str) -> bool:
    return (
        word in HEADS
        or word in _SECONDS
        or word in _FILLERS
        or word in _OTHER_ARGUMENTS
        or word in _WEEKDAYS
        or word in _ALIASES
        or bool(_ARGUMENT.fullmatch(word))
        or _best(word, _SECONDS)[1] >= FUZZY_ALONE  # "backfil", "minpeople"
    )


def _best(word: str, choices: frozenset[str] | set[str]) -> tuple[str | None, float]:
    best, score = None, 0.0
    for choice in sorted(choices):
        ratio = difflib.SequenceMatcher(None, word, choice).ratio()
        if ratio > score:
            best, score = choice, ratio
    return best, score


def _head(first: str, rest_are_arguments: bool, alone: bool) -> str | None:
    """The subcommand words the first word stands for, or None when it is not an attempt."""
    first = _ALIASES.get(first, first)
    if first in HEADS:
        return first if rest_are_arguments else None
    if first in _LONE_SECONDS:
        return _LONE_SECONDS[first] if rest_are_arguments else None
    best, score = _best(first, HEADS | set(_LONE_SECONDS))
    if best is None or not rest_are_arguments:
        return None
    if score >= FUZZY_ALONE or (not alone and score >= FUZZY_WITH_ARGUMENTS):
        return _LONE_SECONDS.get(best, best)
    return None


def subcommand_attempt(text: str) -> Attempt | None:
    """The subcommand ``text`` (flags removed) was meant to be, or None when it is text to judge.

    Called only for text no feature's parser claimed (see the module docstring for the rule).
    """
    if len(text) > MAX_ATTEMPT_CHARS:
        return None
    words = text.lower().split()
    if not words or len(words) > MAX_ATTEMPT_WORDS:
        return None
    first, rest = words[0], words[1:]
    rest_are_arguments = all(_argument_like(w) for w in rest)
    exact_head = _ALIASES.get(first, first) in HEADS
    if exact_head and len(words) <= 2:
        rest_are_arguments = True  # "mood banana", "help me", "optout now"
    head = _head(first, rest_are_arguments, alone=not rest)
    if head is None:
        return None
    closest, after, fixed = _BY_WORDS[head], rest, head != _ALIASES.get(first, first)
    if " " not in head and after:
        seconds = {s.words.split()[1] for s in SUBCOMMANDS if s.words.startswith(head + " ")}
        second, score = _best(after[0], seconds)
        if second is not None and score >= SECOND_CUTOFF:
            closest, fixed = _BY_WORDS[f"{head} {second}"], fixed or second != after[0]
            after = after[1:]
    if fixed:
        return Attempt(closest, suggestion=" ".join([closest.words, *after]))
    return Attempt(closest, extra=" ".join(after))


def family(head: str) -> list[Subcommand]:
    """The subcommands starting with ``head`` (``mood`` -> mood, mood off, ...)."""
    return [s for s in SUBCOMMANDS if s.words.split()[0] == head]
