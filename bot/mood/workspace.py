"""``Workspace``: whose data a row is (Slack's ``team_id`` and ``enterprise_id``); no imports."""

from __future__ import annotations

from typing import NamedTuple


class Workspace(NamedTuple):
    """Slack's ``team_id`` and ``enterprise_id`` (``""`` when Slack sends none), bounded."""

    team_id: str
    enterprise_id: str = ""

    @classmethod
    def of(cls, team_id: str | None, enterprise_id: str | None = None) -> Workspace:
        return cls((team_id or "")[:32], (enterprise_id or "")[:32])
