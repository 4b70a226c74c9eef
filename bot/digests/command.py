"""``/sentiment digest weekly|off|time DAY HH:MM`` and ``/sentiment mood backfill`` (parsing).

Pure: no Slack, no database. Anything else returns None and is handled as before.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.digests.schedule import ScheduleError, SendAt, parse_send_at


@dataclass(frozen=True)
class ExtraRequest:
    action: str  # "digest_on", "digest_off", "digest_time", "digest_status", "backfill"
    send_at: SendAt | None = None
    error: str | None = None


def parse_extra_request(text: str) -> ExtraRequest | None:
    words = text.split()
    lowered = [w.lower() for w in words]
    if lowered == ["mood", "backfill"]:
        return ExtraRequest("backfill")
    if not lowered or lowered[0] != "digest":
        return None
    rest = lowered[1:]
    if not rest:
        return ExtraRequest("digest_status")
    if rest == ["weekly"] or rest == ["on"]:
        return ExtraRequest("digest_on")
    if rest == ["off"]:
        return ExtraRequest("digest_off")
    if rest[0] == "time":
        try:
            return ExtraRequest("digest_time", parse_send_at(" ".join(words[2:])))
        except ScheduleError as err:
            return ExtraRequest("digest_time", error=str(err))
    return ExtraRequest("digest_status", error="usage")
