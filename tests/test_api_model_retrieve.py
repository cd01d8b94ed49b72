"""`GET /v1/models/{id}`: OpenAI's model object, the same entry the list shows for it."""

from __future__ import annotations

import openai
import pytest

from tests.conftest import ApiHarness
from tests.error_shape import assert_openai_shape
from tests.sdk_clients import sdk


@pytest.mark.parametrize("prefix", ["/v1", "/openai/v1"])
async def test_a_model_is_answered_as_its_list_entry(api: ApiHarness, prefix: str) -> None:
    listed = await (await api.client.get(f"{prefix}/models")).json()
    entry = next(model for model in listed["data"] if model["id"] == "gpt-4o-mini")
    response = await api.client.get(f"{prefix}/models/gpt-4o-mini")
    assert response.status == 200
    assert await response.json() == entry


async def test_a_model_named_provider_colon_upstream_answers_under_its_catalog_name(
    api: ApiHarness,
) -> None:
    response = await api.client.get("/v1/models/openai:gpt-4o-mini")
    assert (await response.json())["id"] == "gpt-4o-mini"


async def test_a_model_id_with_a_slash_is_found(api: ApiHarness) -> None:
    response = await api.client.get("/v1/models/openrouter:meta-llama/llama-3.1-8b-instruct")
    assert response.status == 200
    assert (await response.json())["owned_by"] == "openrouter"


async def test_an_unknown_model_is_404_model_not_found_in_openai_shape(api: ApiHarness) -> None:
    response = await api.client.get("/v1/models/no-such-model")
    assert response.status == 404
    body = await response.json()
    assert_openai_shape(body)
    assert body["error"]["code"] == "model_not_found"


async def test_the_openai_sdk_retrieves_a_model(api: ApiHarness) -> None:
    key = await api.register()
    async with sdk(api, key) as client:
        model = await client.models.retrieve("gpt-4o-mini")
    assert (model.id, model.object, model.owned_by) == ("gpt-4o-mini", "model", "openai")
    assert model.model_extra is not None
    assert model.model_extra["available"] is True


async def test_the_openai_sdk_raises_not_found_for_an_unknown_model(api: ApiHarness) -> None:
    key = await api.register()
    async with sdk(api, key) as client:
        with pytest.raises(openai.NotFoundError) as raised:
            await client.models.retrieve("no-such-model")
    assert raised.value.code == "model_not_found"
