"""``/readyz`` in multi-workspace mode: a token refused by Slack is one workspace's problem.

In single-token mode an ``invalid_auth`` means every call will fail, so the replica reports
not ready. With many installations it means that one workspace revoked or lost its token
(its rows are deleted on ``tokens_revoked``/``app_uninstalled``); taking every replica out of
the load balancer for it would stop all the other workspaces. Saturation still counts.
"""

from __future__ import annotations

from bot.health import AUTH_ERRORS, Readiness


class WorkspaceReadiness(Readiness):
    """``Readiness`` that ignores per-workspace auth failures."""

    def slack_result(self, error: str | None) -> None:
        if error not in AUTH_ERRORS:
            super().slack_result(error)
