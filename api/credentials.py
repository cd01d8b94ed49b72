"""Where a client's username and key come from, in the ways each SDK sends them.

Body fields `username` + `key` are the seed's way and are removed from the body before it is
forwarded. Otherwise the key comes from `Authorization: Bearer` (OpenAI SDK), `x-api-key`
(Anthropic SDK), `x-goog-api-key` or `?key=` (Google SDK), optionally with a username
in the body. Reading credentials never touches the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web

from api.errors import AuthenticationError, InvalidRequestError

_MAX_FIELD_LENGTH = 256


@dataclass(frozen=True, slots=True)
class Credentials:
    """Invariant: `key` is non-empty; `username`, when given, is lowercased.

    `stripped` says the body carried `username` or `key` (even as null) and they were
    removed from it: the bytes the client sent are then no longer the body to forward, so a
    route that forwards the client's own bytes must encode the body again.
    """

    username: str | None
    key: str
    stripped: bool = False


def _text_field(body: dict[str, Any], name: str) -> str | None:
    value = body.pop(name, None)
    if value is None:
        return None
    if not isinstance(value, str) or not value or len(value) > _MAX_FIELD_LENGTH:
        raise InvalidRequestError(
            f"`{name}` must be a non-empty string of at most {_MAX_FIELD_LENGTH} characters",
            param=name,
        )
    return value


def _header_key(request: web.Request) -> str | None:
    authorization = request.headers.get("Authorization", "")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    for header in ("x-api-key", "x-goog-api-key"):
        value = request.headers.get(header)
        if value:
            return value.strip()
    return request.query.get("key") or None


def take_credentials(request: web.Request, body: dict[str, Any] | None) -> Credentials:
    """Read (and, from a body, remove) the caller's credentials."""
    username = key = None
    stripped = False
    if body is not None:
        stripped = "username" in body or "key" in body
        username = _text_field(body, "username")
        key = _text_field(body, "key")
    key = key or _header_key(request)
    if not key:
        raise AuthenticationError(
            "no API key was sent: use `Authorization: Bearer <key>`, or put `username` and "
            "`key` in the JSON body; /start in the Telegram bot gives you both",
            code="missing_api_key",
        )
    return Credentials(username=username.lower() if username else None, key=key, stripped=stripped)
