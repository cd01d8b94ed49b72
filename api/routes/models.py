"""`GET /v1/models`: OpenAI's model list, with each model's prices and availability."""

from __future__ import annotations

from aiohttp import web

from api.context import context_of


async def list_models(request: web.Request) -> web.Response:
    context = context_of(request)
    providers = context.registry.providers
    data = [
        {
            "id": model.name,
            "object": "model",
            "created": 0,
            "owned_by": model.provider,
            "available": bool(
                providers.get(model.provider, None) and providers[model.provider].available
            ),
            "kind": model.kind,
            "pricing": {"currency": context.currency, **model.prices()},
        }
        for model in context.registry.catalog.models.values()
    ]
    return web.json_response({"object": "list", "data": data})
