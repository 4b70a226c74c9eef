"""Keyed hashes: how the mood record counts people and keeps an opt-out list without user ids.

- Distinct authors: ``author_hash(day_key, channel, user)`` is HMAC-SHA256 under a random key made
  for that workspace and day. The channel is part of the input, so the same person's hashes in two
  channels cannot be linked. While the day is open, someone holding the database (keys
  included) can test a guessed user id against that day's hashes; when the day closes the hashes
  and the key are deleted and only the count stays, so from then on nobody can.
- Opt-outs: ``user_hash(optout_key, user)`` under one random key per workspace, so the list is no
  readable list of user ids.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

KEY_BYTES = 32


def new_key() -> bytes:
    """A fresh random key (never derived from anything, never logged)."""
    return secrets.token_bytes(KEY_BYTES)


def author_hash(day_key: bytes, channel_id: str, user_id: str) -> bytes:
    """The day's keyed hash of one author in one channel (32 bytes)."""
    return hmac.new(day_key, f"{channel_id}\x00{user_id}".encode(), hashlib.sha256).digest()


def user_hash(optout_key: bytes, user_id: str) -> bytes:
    """The workspace's keyed hash of a user id, as stored in the opt-out list (32 bytes)."""
    return hmac.new(optout_key, user_id.encode(), hashlib.sha256).digest()
