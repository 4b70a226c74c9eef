"""``Workspace``: whose data a row is (Slack's ``team_id`` and ``enterprise_id``); no imports."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple


def _id(value: Any) -> str:
    return value if isinstance(value, str) else ""


class Workspace(NamedTuple):
    """Slack's ``team_id`` and ``enterprise_id`` (``""`` when Slack sends none), bounded."""

    team_id: str
    enterprise_id: str = ""

    @classmethod
    def of(cls, team_id: str | None, enterprise_id: str | None = None) -> Workspace:
        return cls((team_id or "")[:32], (enterprise_id or "")[:32])

    @classmethod
    def of_event(
        cls, body: Mapping[str, Any], team_id: str | None, enterprise_id: str | None
    ) -> Workspace:
        """The workspace an Events API event happened in (``team_id``/``enterprise_id``: Bolt's).

        Bolt takes its context ids from ``authorizations[0]``, the installation. On an
        Enterprise Grid org-wide install that installation's ``team_id`` is null, so the
        workspace comes from the envelope (``context_team_id``, else ``team_id``), as a slash
        command from that workspace carries it in its ``team_id``.
        """
        team = team_id or _id(body.get("context_team_id")) or _id(body.get("team_id"))
        enterprise = (
            enterprise_id
            or _id(body.get("context_enterprise_id"))
            or _id(body.get("enterprise_id"))
        )
        return cls.of(team, enterprise)
