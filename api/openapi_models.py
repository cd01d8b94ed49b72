"""The OpenAPI document's own models: the error shape, body credentials, and the hand-written
part of each operation (`OperationDoc`). Apart from `api.openapi` so route packages can
describe their operations without importing the document builder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict

Handler = Callable[[web.Request], Any]

#: What a route that can stream answers with: JSON, or server-sent events when asked.
STREAM_ANSWERS = ("application/json", "text/event-stream")
#: The one-message conversation of the chat operations' examples.
HELLO = [{"role": "user", "content": "Hello"}]


class ErrorDetail(BaseModel):
    """One error, as `api.errors.error_body` renders it (OpenAI's shape, all four keys);
    on Google's routes also Google's canonical `status` (`api.error_shapes`)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    message: str
    type: str
    code: str | None
    param: str | None
    status: str | None = None


class ErrorResponse(BaseModel):
    """Every error answer of this API: `{"error": {...}}`, inside Anthropic's envelope
    (`"type": "error"` beside it) on Anthropic's routes."""

    model_config = ConfigDict(extra="forbid", strict=True)

    type: Literal["error"] | None = None
    error: ErrorDetail


class BodyCredentials(BaseModel):
    """The seed's way to authenticate: fields removed from the body before it travels on."""

    username: str | None = None
    key: str | None = None


@dataclass(frozen=True, slots=True)
class OperationDoc:
    """What a handler's code cannot say about itself: words, and what it answers with."""

    summary: str
    tag: str
    body: type[BaseModel] | None = None
    form: dict[str, Any] | None = None
    secured: bool = True
    answers: tuple[str, ...] = ("application/json",)
    query: tuple[dict[str, Any], ...] = ()
    path: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: A body that works against a configured service: documentation, and the fuzzer's seed.
    example: dict[str, Any] | None = None
    #: The media types `body` is accepted as (the image library also takes forms).
    body_types: tuple[str, ...] = ("application/json",)
    #: A model whose fields are the operation's optional query parameters.
    query_model: type[BaseModel] | None = None
    #: The status of a success (201 where something is created).
    success: str = "200"
    #: The model of a JSON success, where the service (not a provider) shapes the answer.
    answer: type[BaseModel] | None = None
    #: Whether a call is held and billed (402, idempotency, the provider's failures). Every
    #: secured operation tagged with a provider (`BILLED_TAGS`) is, whatever this says; a
    #: public one (a provider's model list) passes no gate, so it never is.
    billed: bool = False


#: The tags of the providers' routes: each of their operations is billed.
BILLED_TAGS = frozenset({"openai", "anthropic", "google", "stability"})
