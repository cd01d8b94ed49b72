"""Keys that are almost right, for the gate's tests over storage and over HTTP."""

from __future__ import annotations


def with_wrong_tail(secret: str) -> str:
    """The same key but its last character: the prefix and nearly every byte are right."""
    return secret[:-1] + ("A" if secret[-1] != "A" else "B")
