"""The service's own JSON answers, written as UTF-8.

`web.json_response` encodes with `json.dumps`' default `ensure_ascii=True`, which turns every
Cyrillic letter of a message or a model's name into `\\u041f...`: valid JSON, but unreadable
in the terminal where the service's users read their errors. Every answer the service builds
itself goes through `json_answer`, so none is escaped; bodies relayed from a provider pass on
byte for byte and are not touched.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping

from aiohttp import web

#: `json.dumps` without ASCII escapes; aiohttp encodes the text as UTF-8 (the charset it sends).
dumps_utf8 = functools.partial(json.dumps, ensure_ascii=False)


def json_answer(
    data: object, *, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    """`data` as an `application/json; charset=utf-8` answer, non-ASCII text left as is."""
    return web.json_response(data, status=status, headers=headers, dumps=dumps_utf8)
