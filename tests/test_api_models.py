"""`GET /v1/models`: every catalog model, its kind, prices and whether it can be called."""

from __future__ import annotations

import dataclasses
from typing import Any

from pytest_aiohttp import AiohttpClient

from api.app import create_api_app
from providers.catalog import load_catalog, parse_catalog
from providers.registry import ProviderConfig, Registry
from tests.conftest import ApiHarness
from tests.sdk_clients import sdk


async def _listed(client: Any) -> dict[str, dict[str, Any]]:
    response = await client.get("/v1/models")
    assert response.status == 200
    body = await response.json()
    assert body["object"] == "list"
    return {model["id"]: model for model in body["data"]}


async def test_every_catalog_model_is_listed_with_its_kind_and_prices(api: ApiHarness) -> None:
    listed = await _listed(api.client)
    assert set(listed) == set(load_catalog().models)
    model = load_catalog().get("gpt-4o-mini")
    assert listed["gpt-4o-mini"] == {
        "id": "gpt-4o-mini",
        "object": "model",
        "created": 0,
        "owned_by": "openai",
        "available": True,
        "kind": "chat",
        "pricing": {"currency": "USD", **model.prices(), "source": model.price_source()},
        "context_window": 128_000,
        "max_output_tokens": 16_384,
        "max_output_documented": True,
    }
    assert listed["gpt-4o-mini"]["pricing"]["input_per_1m_tokens"] == "0.15"
    assert listed["dall-e-2"]["pricing"]["per_image_256x256/standard"] == "0.016"


async def test_models_without_token_limits_leave_the_fields_out(api: ApiHarness) -> None:
    listed = await _listed(api.client)
    for name in ("dall-e-3", "whisper-1", "text-embedding-3-small"):
        assert "max_output_tokens" not in listed[name]
        assert "context_window" not in listed[name]


async def test_a_model_without_a_documented_output_limit_says_its_window_is_held(
    api: ApiHarness,
) -> None:
    astra = (await _listed(api.client))["gpt-6-astra"]
    limits = ("context_window", "max_output_tokens", "max_output_documented")
    assert [astra[key] for key in limits] == [1_050_000, 1_050_000, False]
    assert "max_output_tokens" not in (await _listed(api.client))["whisper-1"]


async def test_a_provider_without_a_key_is_listed_as_unavailable(
    api: ApiHarness, aiohttp_client: AiohttpClient
) -> None:
    providers = dict(api.context.registry.providers)
    providers["openai"] = ProviderConfig("openai", "http://127.0.0.1:9/v1")
    registry = Registry(api.context.registry.catalog, providers)
    context = dataclasses.replace(api.context, registry=registry)
    client = await aiohttp_client(create_api_app(context, max_body_bytes=64 * 1024))
    listed = await _listed(client)
    assert listed["gpt-4o-mini"]["available"] is False
    assert listed["echo"]["available"] is True


async def test_the_openai_sdk_lists_the_models(api: ApiHarness) -> None:
    key = await api.register()
    async with sdk(api, key) as client:
        models = [model.id async for model in client.models.list()]
    assert set(models) == set(load_catalog().models)


async def test_an_unpriced_model_is_listed_unavailable_and_refused_with_nothing_charged(
    api: ApiHarness, aiohttp_client: AiohttpClient
) -> None:
    text = 'markup = "1"\n[models."qwen:no-price"]\nprovider = "qwen"\n'
    text += "max_output_tokens = 100\ncontext_window = 1000\n"
    catalog = parse_catalog(text)
    providers = dict(api.context.registry.providers)
    providers["qwen"] = ProviderConfig.with_key("qwen", "http://127.0.0.1:9/v1", "key")
    context = dataclasses.replace(api.context, registry=Registry(catalog, providers))
    client = await aiohttp_client(create_api_app(context, max_body_bytes=64 * 1024))
    listed = (await _listed(client))["qwen:no-price"]
    assert listed["available"] is False
    assert "has no price" in listed["reason"]
    key = await api.register()
    balance = await api.balance()
    body = {"model": "qwen:no-price", "messages": [{"role": "user", "content": "hi"}]}
    response = await client.post(
        "/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status == 503
    assert (await response.json())["error"]["code"] == "model_unpriced"
    assert await api.balance() == balance


async def test_the_openai_sdk_reads_the_token_limits_that_bound_a_hold(api: ApiHarness) -> None:
    """Without `max_tokens` a chat call holds `max_output_tokens` at the output price plus
    its prompt's bound, which `context_window` caps: the SDK's model object carries both."""
    key = await api.register()
    async with sdk(api, key) as client:
        listed = {model.id: model async for model in client.models.list()}
        retrieved = await client.models.retrieve("gpt-4o-mini")
    extra = listed["gpt-4o-mini"].model_extra
    assert extra is not None
    assert (extra["max_output_tokens"], extra["context_window"]) == (16384, 128000)
    assert retrieved.model_extra == extra
    hello = [{"role": "user", "content": "Hi"}]
    body = {"model": "gpt-4o-mini", "stream": True, "messages": hello}
    response = await api.client.post(
        "/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"}
    )
    held = int(response.headers["X-Myapi-Held-Units"])
    await response.read()
    model = load_catalog().get("gpt-4o-mini")
    output = extra["max_output_tokens"]
    assert model.cost(0, output) < held <= model.cost(extra["context_window"], output)
