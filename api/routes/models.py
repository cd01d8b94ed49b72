"""`GET /v1/models`: OpenAI's model list, with each model's prices and availability."""

from __future__ import annotations

from aiohttp import web

from api.context import context_of
from storage.money import to_decimal


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
            "pricing": {
                "currency": context.currency,
                "input_per_1m_tokens": str(to_decimal(model.input_per_1m)),
                "output_per_1m_tokens": str(to_decimal(model.output_per_1m)),
            },
            "max_output_tokens": model.max_output_tokens,
        }
        for model in context.registry.catalog.models.values()
    ]
    return web.json_response({"object": "list", "data": data})
