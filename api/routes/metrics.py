"""`GET /metrics`: the app's Prometheus metrics, for whoever holds METRICS_TOKEN.

The route exists only when the token is set (`api.app` adds it then): without it `/metrics`
is a 404 like any unknown route. A missing or wrong token is 401, compared in constant time
so its answer time says nothing about how much of it was right.

Rendering is prometheus-client's own (`choose_encoder`: the classic text format, or
OpenMetrics when Prometheus asks for it), in a worker thread so a large registry never
stalls the event loop; storage's figures are read just before, by an awaited query.
"""

from __future__ import annotations

import asyncio
import hmac

from aiohttp import web
from prometheus_client.exposition import choose_encoder

from api.errors import AuthenticationError
from api.metrics import PrometheusMetrics
from api.observe import metrics_of
from api.openapi_models import Handler, OperationDoc
from api.route_rows import RouteRow

#: The operator's token, as bytes (set by `api.app` with the route).
METRICS_TOKEN = web.AppKey("metrics_token", bytes)


def _presented_token(request: web.Request) -> bytes:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip().encode() if scheme.lower() == "bearer" else b""


async def metrics_endpoint(request: web.Request) -> web.Response:
    if not hmac.compare_digest(_presented_token(request), request.app[METRICS_TOKEN]):
        raise AuthenticationError(
            "/metrics needs `Authorization: Bearer <METRICS_TOKEN>` (the operator's setting)",
            code="invalid_metrics_token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    metrics = metrics_of(request)
    assert isinstance(metrics, PrometheusMetrics)  # the route exists only when measured
    await metrics.held.refresh()
    encode, content_type = choose_encoder(request.headers.get("Accept", ""))
    body = await asyncio.to_thread(encode, metrics.registry)
    return web.Response(body=body, headers={"Content-Type": content_type})


ROUTES = (RouteRow("GET", "/metrics", metrics_endpoint),)
OPERATIONS: dict[Handler, OperationDoc] = {
    metrics_endpoint: OperationDoc(
        "Prometheus metrics (Authorization: Bearer <METRICS_TOKEN>; only when it is set)",
        "operator",
        secured=False,
        answers=("text/plain",),
    ),
}
