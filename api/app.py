"""The API application without the bot: what route tests build and what the service mounts."""

from __future__ import annotations

from aiohttp import web

from api.context import CONTEXT, ApiContext
from api.errors import BODY_LIMIT, BODY_TIMEOUT, stamp_request_id
from api.library import docs as library_docs
from api.library import routes as library
from api.metrics import create_metrics
from api.observe import METRICS, create_observe_middleware
from api.openapi_models import Handler, OperationDoc
from api.relay import DEFAULT_STREAM_DRAIN_SECONDS, STREAM_DRAIN
from api.route_rows import RouteRow, add_routes
from api.routes import (
    account,
    anthropic,
    anthropic_count,
    audio,
    chat,
    completions,
    docs,
    embeddings,
    google,
    image_edits,
    images,
    metrics,
    models,
    moderations,
    provider_models,
    response_items,
    responses,
    stability,
)
from api.uploads import (
    AUDIO_BODY_LIMIT,
    DEFAULT_MAX_AUDIO_BYTES,
    DEFAULT_MAX_IMAGE_BYTES,
    IMAGE_BODY_LIMIT,
)

#: Every module's route rows, in the order they are added (each module keeps its own order).
_ROUTES: tuple[RouteRow, ...] = (
    *account.ROUTES,
    *docs.ROUTES,
    *models.ROUTES,
    *chat.ROUTES,
    *completions.ROUTES,
    *responses.ROUTES,
    *response_items.ROUTES,
    *anthropic.ROUTES,
    *anthropic_count.ROUTES,
    *google.ROUTES,
    provider_models.GEMINI_GET_ROUTE,
    *provider_models.ROUTES,
    *stability.ROUTES,
    *embeddings.ROUTES,
    *moderations.ROUTES,
    *images.ROUTES,
    *image_edits.ROUTES,
    *audio.ROUTES,
    *library.ROUTES,
)
#: Every module's operations for the OpenAPI document, each beside its module's routes.
_OPERATIONS: dict[Handler, OperationDoc] = {
    **account.OPERATIONS,
    **docs.OPERATIONS,
    **models.OPERATIONS,
    **chat.OPERATIONS,
    **completions.OPERATIONS,
    **responses.OPERATIONS,
    **response_items.OPERATIONS,
    **anthropic.OPERATIONS,
    **anthropic_count.OPERATIONS,
    **google.OPERATIONS,
    **provider_models.OPERATIONS,
    **stability.OPERATIONS,
    **embeddings.OPERATIONS,
    **moderations.OPERATIONS,
    **images.OPERATIONS,
    **image_edits.OPERATIONS,
    **audio.OPERATIONS,
    **library_docs.LIBRARY_OPERATIONS,
}


def create_api_app(
    context: ApiContext | None,
    *,
    max_body_bytes: int,
    max_audio_bytes: int = DEFAULT_MAX_AUDIO_BYTES,
    max_image_bytes: int = DEFAULT_MAX_IMAGE_BYTES,
    body_read_seconds: float = 30.0,
    stream_drain_seconds: float = DEFAULT_STREAM_DRAIN_SECONDS,
    metrics_token: str | None = None,
) -> web.Application:
    """Build the app; `context` may be given later (by a cleanup_ctx) but before serving.

    With a `metrics_token` the app measures itself and serves `GET /metrics` to that token;
    without one (None or empty) nothing is measured and the route does not exist.
    """
    measured = create_metrics(enabled=bool(metrics_token))
    app = web.Application(
        middlewares=[create_observe_middleware(measured)],
        client_max_size=max_body_bytes,
    )
    app[BODY_LIMIT] = max_body_bytes
    app[BODY_TIMEOUT] = body_read_seconds
    app[AUDIO_BODY_LIMIT] = max_audio_bytes
    app[IMAGE_BODY_LIMIT] = max_image_bytes
    app[STREAM_DRAIN] = stream_drain_seconds
    app[METRICS] = measured
    app.on_response_prepare.append(stamp_request_id)
    if context is not None:
        app[CONTEXT] = context
    if not metrics_token:
        add_routes(app, _ROUTES, _OPERATIONS)
    else:
        app[metrics.METRICS_TOKEN] = metrics_token.encode()
        add_routes(app, (*_ROUTES, *metrics.ROUTES), {**_OPERATIONS, **metrics.OPERATIONS})
    return app
