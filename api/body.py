"""Reading and validating request bodies: JSON is parsed once, errors name the field."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from api.errors import BODY_TIMEOUT, InvalidRequestError, RequestTimeoutError
from providers import json_codec

ModelT = TypeVar("ModelT", bound=BaseModel)


@asynccontextmanager
async def body_deadline(request: web.Request) -> AsyncIterator[None]:
    """Bound the time a client may take to send its body (BODY_READ_TIMEOUT_SECONDS).

    The size limit bounds memory; this bounds how long a connection can be kept busy by a
    body sent a byte at a time. Past it the answer is 408 and nothing has been done.
    """
    try:
        async with asyncio.timeout(request.app[BODY_TIMEOUT]):
            yield
    except TimeoutError as error:
        raise RequestTimeoutError(
            f"the request body did not arrive within {request.app[BODY_TIMEOUT]:g} seconds: "
            "send it at once"
        ) from error


async def read_body(request: web.Request) -> bytes:
    """The whole body, within the body deadline unless it has all arrived already (the
    common case for small JSON bodies: then no timer is needed)."""
    if request.content.is_eof():
        return await request.read()
    async with body_deadline(request):
        return await request.read()


async def read_json_object(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object; aiohttp raises 413 itself past the size limit."""
    return parse_json_object(await read_body(request))


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """`raw` as a JSON object, or the 400 that says what is wrong with it."""
    if not raw.strip():
        raise InvalidRequestError("the request body is empty: send a JSON object")
    try:
        data = json_codec.loads(raw)
    except ValueError as error:
        raise InvalidRequestError(f"the request body is not valid JSON: {error}") from error
    if not isinstance(data, dict):
        kind = type(data).__name__
        raise InvalidRequestError(f"the request body must be a JSON object, not a {kind}")
    return data


def validated(model: type[ModelT], data: dict[str, Any]) -> ModelT:
    """Check `data` against `model`; the first problem becomes a 400 naming its field."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        param = ".".join(str(part) for part in first["loc"]) or None
        where = f"`{param}`: " if param else ""
        raise InvalidRequestError(f"{where}{first['msg']}", param=param) from error
