"""The API application without the bot: what route tests build and what the service mounts."""

from __future__ import annotations

from aiohttp import web

from api.context import CONTEXT, ApiContext
from api.errors import BODY_LIMIT, BODY_TIMEOUT, create_error_middleware
from api.library import docs as library_docs
from api.library import routes as library
from api.openapi_models import Handler, OperationDoc
from api.relay import DEFAULT_STREAM_DRAIN_SECONDS, STREAM_DRAIN
from api.route_rows import RouteRow, add_routes
from api.routes import (
    account,
    anthropic,
    audio,
    chat,
    docs,
    embeddings,
    google,
    images,
    models,
    response_items,
    responses,
    stability,
)
from api.uploads import AUDIO_BODY_LIMIT, DEFAULT_MAX_AUDIO_BYTES

#: Every module's route rows, in the order they are added (each module keeps its own order).
_ROUTES: tuple[RouteRow, ...] = (
    *account.ROUTES,
    *docs.ROUTES,
    *models.ROUTES,
    *chat.ROUTES,
    *responses.ROUTES,
    *response_items.ROUTES,
    *anthropic.ROUTES,
    *google.ROUTES,
    *stability.ROUTES,
    *embeddings.ROUTES,
    *images.ROUTES,
    *audio.ROUTES,
    *library.ROUTES,
)
#: Every module's operations for the OpenAPI document, each beside its module's routes.
_OPERATIONS: dict[Handler, OperationDoc] = {
    **account.OPERATIONS,
    **docs.OPERATIONS,
    **models.OPERATIONS,
    **chat.OPERATIONS,
    **responses.OPERATIONS,
    **response_items.OPERATIONS,
    **anthropic.OPERATIONS,
    **google.OPERATIONS,
    **stability.OPERATIONS,
    **embeddings.OPERATIONS,
    **images.OPERATIONS,
    **audio.OPERATIONS,
    **library_docs.LIBRARY_OPERATIONS,
}


def create_api_app(
    context: ApiContext | None,
    *,
    max_body_bytes: int,
    max_audio_bytes: int = DEFAULT_MAX_AUDIO_BYTES,
    body_read_seconds: float = 30.0,
    stream_drain_seconds: float = DEFAULT_STREAM_DRAIN_SECONDS,
) -> web.Application:
    """Build the app; `context` may be given later (by a cleanup_ctx) but before serving."""
    app = web.Application(middlewares=[create_error_middleware()], client_max_size=max_body_bytes)
    app[BODY_LIMIT] = max_body_bytes
    app[BODY_TIMEOUT] = body_read_seconds
    app[AUDIO_BODY_LIMIT] = max_audio_bytes
    app[STREAM_DRAIN] = stream_drain_seconds
    if context is not None:
        app[CONTEXT] = context
    add_routes(app, _ROUTES, _OPERATIONS)
    return app
