"""The console's pretend workspace: a few people and channels the fake Slack answers for.

Fixed ids, so a transcript reads the same every run: the fake Slack answers ``users.info``,
``conversations.info``/``.members``/``.list`` from this roster, and the console renders ids
back to names. Alice is a workspace admin (admin-only commands work for her, the default
person); Bob is not (``/as bob`` shows what a refusal looks like).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ConsolePerson:
    """Someone you can be in the console (``/as NAME``)."""

    id: str
    name: str
    admin: bool = False


@dataclass(frozen=True)
class ConsoleChannel:
    """A channel you can type in (``/in #NAME``); ``members`` are person names."""

    id: str
    name: str
    members: tuple[str, ...]


PEOPLE = (
    ConsolePerson("U0ALICE", "alice", admin=True),
    ConsolePerson("U0BOB", "bob"),
    ConsolePerson("U0CAROL", "carol"),
    ConsolePerson("U0DAVE", "dave"),
    ConsolePerson("U0ERIN", "erin"),
)
CHANNELS = (
    ConsoleChannel("C0GENERAL", "general", ("alice", "bob", "carol", "dave", "erin")),
    ConsoleChannel("C0DESIGN", "design", ("alice", "bob", "carol")),
    ConsoleChannel("C0SUPPORT", "support", ("alice", "dave", "erin")),
)


def find_person(name: str) -> ConsolePerson | None:
    """The person called ``name`` (``@`` and case ignored), or None."""
    wanted = name.strip().lstrip("@").lower()
    return next((p for p in PEOPLE if p.name == wanted), None)


def find_channel(name: str) -> ConsoleChannel | None:
    """The channel called ``name`` (``#`` and case ignored), or None."""
    wanted = name.strip().lstrip("#").lower()
    return next((c for c in CHANNELS if c.name == wanted), None)
