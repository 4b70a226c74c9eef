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
    def of(
        cls,
        payload: Mapping[str, Any],
        team_id: str | None = None,
        enterprise_id: str | None = None,
    ) -> Workspace:
        """The workspace a Slack payload comes from, for every surface (the one constructor).

        ``team_id``/``enterprise_id``: Bolt's context ids, when the listener has them. Bolt takes
        them from ``authorizations[0]``, the installation; on an Enterprise Grid org-wide
        install that installation's ``team_id`` is null, so the workspace comes from the
        payload: an Events API envelope's ``context_team_id``, else its ``team_id`` (as a slash
        command carries it), else an interactive payload's ``team.id``, else its
        ``user.team_id`` (an org-wide install's button press may carry no ``team``). Same for
        the org.
        """
        team = (
            team_id
            or _id(payload.get("context_team_id"))
            or _id(payload.get("team_id"))
            or _id(_nested(payload, "team"))
            or _id(_user_team(payload))
        )
        enterprise = (
            enterprise_id
            or _id(payload.get("context_enterprise_id"))
            or _id(payload.get("enterprise_id"))
            or _id(_nested(payload, "enterprise"))
        )
        return cls(team[:32], enterprise[:32])


def _nested(payload: Mapping[str, Any], key: str) -> Any:
    value = payload.get(key)
    return value.get("id") if isinstance(value, Mapping) else None


def _user_team(payload: Mapping[str, Any]) -> Any:
    user = payload.get("user")
    return user.get("team_id") if isinstance(user, Mapping) else None
