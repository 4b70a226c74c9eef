"""``/sentiment digest weekly|off|time DAY HH:MM`` (parsing).

Pure: no Slack, no database. Anything else returns None, so the slash command tries the next
feature's parser (``mood backfill`` is ``bot.backfill.command``'s), and ``bot.commands_help``
decides whether it was a mistyped subcommand.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.schedule_time import ScheduleError, SendAt, parse_send_at


@dataclass(frozen=True)
class DigestRequest:
    """What a digest subcommand asked for; ``error`` set when it was malformed."""

    action: str  # "digest_on", "digest_off", "digest_time", "digest_status"
    send_at: SendAt | None = None
    error: str | None = None


def parse_digest_request(text: str) -> DigestRequest | None:
    """The digest request in ``text`` (flags removed), or None when it is no digest command."""
    words = text.split()
    lowered = [w.lower() for w in words]
    if not lowered or lowered[0] != "digest":
        return None
    rest = lowered[1:]
    if not rest:
        return DigestRequest("digest_status")
    if rest == ["weekly"] or rest == ["on"]:
        return DigestRequest("digest_on")
    if rest == ["off"]:
        return DigestRequest("digest_off")
    if rest in (["daily"], ["monthly"]):
        return DigestRequest("digest_on", error="weekly_only")
    if rest[0] == "time":
        if len(rest) == 1:
            return DigestRequest("digest_time", error="send time missing")
        try:
            return DigestRequest("digest_time", parse_send_at(" ".join(words[2:])))
        except ScheduleError as err:
            return DigestRequest("digest_time", error=str(err))
    return None
