"""API keys: a recognisable prefix plus 32 random bytes; only a hash is ever stored.

SHA-256 (not a slow password hash) is right here: the key carries 256 bits of entropy, so no
dictionary attack applies, and the gate must hash on every request. The display prefix is
short enough to reveal nothing useful and long enough for a user to tell keys apart.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

KEY_PREFIX = "myapi-"
_DISPLAY_LENGTH = len(KEY_PREFIX) + 6


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A freshly made key: `secret` is shown to its owner once and then forgotten."""

    secret: str
    hash: str
    display_prefix: str


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def display_prefix(secret: str) -> str:
    """The part of a key that may be shown and logged (what `users list` shows)."""
    return secret[:_DISPLAY_LENGTH]


def issue_key() -> IssuedKey:
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    return IssuedKey(secret=secret, hash=hash_key(secret), display_prefix=display_prefix(secret))
