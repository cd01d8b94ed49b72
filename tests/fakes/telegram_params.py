"""Reading Bot API calls as Telegram does: query, JSON, urlencoded or multipart bodies.

aiogram posts multipart, with nested fields such as `reply_markup` as JSON strings: every
field the Bot API types as something other than a string is decoded from JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

Params = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Call:
    """One Bot API call as the server received it; `params` are decoded to JSON types."""

    method: str
    params: Params
    #: Uploaded files (multipart file fields) by field name: their bytes, as received.
    files: dict[str, bytes] = field(default_factory=dict)
    #: The path prefix the caller's TELEGRAM_API_BASE ended with ("" for none): replicas
    #: given different prefixes tell the test which of them made the call.
    via: str = ""


#: Fields the Bot API types as strings: never JSON-decoded, even when they look like JSON.
_STRING_FIELDS = frozenset(
    {"text", "caption", "parse_mode", "url", "secret_token", "language_code", "description"}
    | {"short_description", "name", "title", "query", "emoji", "ip_address"}
)


async def read_params(request: web.Request, files: dict[str, bytes] | None = None) -> Params:
    """Query, JSON, urlencoded or multipart parameters, decoded to JSON types; uploaded
    files' bytes go into `files`, their parameter keeps the file name."""
    params: Params = {key: decode_field(key, value) for key, value in request.query.items()}
    if request.content_type == "application/json":
        params.update(await request.json())
    elif request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        for key, value in (await request.post()).items():
            if isinstance(value, str):
                params[key] = decode_field(key, value)
            elif isinstance(value, web.FileField):
                params[key] = value.filename
                if files is not None:
                    files[key] = value.file.read()
            else:
                params[key] = str(value)
    return params


def decode_field(key: str, value: str) -> Any:
    """Form fields arrive as strings; non-string Bot API fields are JSON (`42`, `[...]`)."""
    if key in _STRING_FIELDS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value
