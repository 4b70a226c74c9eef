"""``SLACK_TOKEN_ENCRYPTION_KEY``: Fernet keys that encrypt tokens before they reach the database.

Several comma-separated keys allow rotation without downtime (``MultiFernet``): the first key
encrypts, every key decrypts. Add a new key in front, restart, run ``python -m bot rekey`` to
re-encrypt every stored token with it, then drop the old key.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

# A Fernet token is base64 of a version byte 0x80 and a timestamp: it always starts like this,
# and a Slack token (xoxb-, xoxp-, xoxe-, https://hooks...) never does.
_FERNET_PREFIX = "gAAAAA"


class EncryptionKeyError(ValueError):
    """``SLACK_TOKEN_ENCRYPTION_KEY`` is unusable; the message says how to fix it."""


def generate_key() -> str:
    """A new random Fernet key, as ``python -m bot keygen`` prints it."""
    return Fernet.generate_key().decode()


class TokenCipher:
    """Encrypts and decrypts token strings with the configured keys."""

    def __init__(self, raw_keys: str) -> None:
        keys = [part.strip() for part in raw_keys.split(",") if part.strip()]
        if not keys:
            raise EncryptionKeyError(
                "SLACK_TOKEN_ENCRYPTION_KEY is not set: run `python -m bot keygen` and set the "
                "key it prints"
            )
        fernets = []
        for number, key in enumerate(keys, start=1):
            try:
                fernets.append(Fernet(key.encode()))
            except (ValueError, TypeError):
                raise EncryptionKeyError(
                    f"SLACK_TOKEN_ENCRYPTION_KEY key {number} of {len(keys)} is not a Fernet key "
                    "(32 url-safe base64 bytes): run `python -m bot keygen` for a new one"
                ) from None
        self._fernet = MultiFernet(fernets)

    def encrypt(self, value: str | None) -> str | None:
        """The ciphertext of ``value`` (None stays None; an already encrypted value stays)."""
        if value is None or value.startswith(_FERNET_PREFIX):
            return value
        return self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, value: str | None) -> str | None:
        """The clear text of a stored value; raise ``EncryptionKeyError`` when no key opens it."""
        if value is None or not value.startswith(_FERNET_PREFIX):
            return value  # never encrypted (None), nothing to open
        try:
            return self._fernet.decrypt(value.encode()).decode()
        except InvalidToken:
            raise EncryptionKeyError(
                "a stored token cannot be decrypted with SLACK_TOKEN_ENCRYPTION_KEY: keep the "
                "old key in the list (new,old) until `python -m bot rekey` has run"
            ) from None

    def rekey(self, value: str | None) -> str | None:
        """``value`` re-encrypted with the first key (clear values are encrypted)."""
        if value is None:
            return None
        if not value.startswith(_FERNET_PREFIX):
            return self.encrypt(value)
        try:
            return self._fernet.rotate(value.encode()).decode()
        except InvalidToken:
            raise EncryptionKeyError(
                "a stored token cannot be decrypted with SLACK_TOKEN_ENCRYPTION_KEY: add the "
                "key it was written with to the list"
            ) from None
