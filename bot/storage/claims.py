"""Who holds a claim on a row (a digest post, a backfill job): one name per process and run.

Digests and backfills both claim rows in the database before they act, so two processes never
do the same work; the claim names its holder for the logs. Host, pid and a random part: no
person in it.
"""

from __future__ import annotations

import os
import socket
import uuid


def claim_owner() -> str:
    """A name for this process's claims, unique per call."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
