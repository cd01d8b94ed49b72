"""Reading and validating request bodies: JSON is parsed once, errors name the field."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from api.errors import InvalidRequestError

ModelT = TypeVar("ModelT", bound=BaseModel)


async def read_json_object(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object; aiohttp raises 413 itself past the size limit."""
    raw = await request.read()
    if not raw.strip():
        raise InvalidRequestError("the request body is empty: send a JSON object")
    try:
        data = json.loads(raw)
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
