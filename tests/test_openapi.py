"""The OpenAPI document and the docs page describe the routes the app really serves."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp import web
from pytest_aiohttp import AiohttpClient

from api.app import create_api_app
from api.errors import InsufficientBalanceError, error_body
from api.library.params import ListImages
from api.openapi import IMPLICIT_METHODS, UNDOCUMENTED
from api.openapi_models import ErrorResponse
from api.routes.chat import ChatRequest
from api.routes.docs import DOCS_HANDLERS
from api.routes.google import GenerateContentRequest
from tests.conftest import ApiHarness
from tests.error_shape import assert_openai_shape


async def _document(api: ApiHarness) -> dict[str, Any]:
    response = await api.client.get("/openapi.json")
    assert response.status == 200
    document: dict[str, Any] = await response.json()
    return document


def _router_operations(app: web.Application) -> set[tuple[str, str]]:
    """(METHOD, path) of every route but the docs routes and aiohttp's implicit HEADs."""
    found = set()
    for route in app.router.routes():
        if route.method in IMPLICIT_METHODS or route.handler in DOCS_HANDLERS:
            continue
        assert route.resource is not None
        found.add((route.method, route.resource.canonical))
    return found


async def test_the_document_has_exactly_the_routers_routes_and_methods(api: ApiHarness) -> None:
    document = await _document(api)
    documented = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    }
    assert api.client.app is not None
    assert documented == _router_operations(api.client.app)
    assert ("POST", "/v1/chat/completions") in documented
    assert ("GET", "/v1/balance") in documented


async def test_every_operation_is_described(api: ApiHarness) -> None:
    document = await _document(api)
    undocumented = [
        (method, path)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if operation["summary"] == UNDOCUMENTED
    ]
    assert undocumented == []


async def test_request_bodies_are_the_routes_own_pydantic_schemas(api: ApiHarness) -> None:
    document = await _document(api)
    schemas = document["components"]["schemas"]
    chat = document["paths"]["/v1/chat/completions"]["post"]["requestBody"]
    reference = chat["content"]["application/json"]["schema"]["$ref"]
    assert reference == "#/components/schemas/ChatRequest"
    assert schemas["ChatRequest"] == ChatRequest.model_json_schema()
    nested = GenerateContentRequest.model_json_schema()["$defs"]["GenerationConfig"]
    assert schemas["GenerationConfig"] == nested


async def test_the_image_library_documents_its_forms_query_and_created_status(
    api: ApiHarness,
) -> None:
    document = await _document(api)
    images = document["paths"]["/api/v1/images"]
    create = images["post"]
    assert set(create["requestBody"]["content"]) == {
        "application/json",
        "application/x-www-form-urlencoded",
    }
    assert "201" in create["responses"]
    listed = {parameter["name"] for parameter in images["get"]["parameters"]}
    assert listed == set(ListImages.model_fields)
    assert document["components"]["schemas"]["Style"]["enum"][0] == "3d_render"


async def test_every_secured_operation_accepts_each_way_of_sending_the_key(
    api: ApiHarness,
) -> None:
    document = await _document(api)
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "the OpenAI SDK's way",
    }
    assert {(s.get("in"), s.get("name")) for s in schemes.values()} >= {
        ("header", "x-api-key"),
        ("header", "x-goog-api-key"),
        ("query", "key"),
    }
    chat = document["paths"]["/v1/chat/completions"]["post"]
    assert chat["security"] == [{name: []} for name in schemes]
    assert document["paths"]["/health"]["get"]["security"] == []


#: What a billed call can answer besides its success.
BILLED = {
    "400",
    "401",
    "402",
    "403",
    "404",
    "408",
    "409",
    "413",
    "422",
    "429",
    "502",
    "503",
    "504",
}
#: What a free call behind the gate can answer: a wrong key, a lock, a rate limit.
GATED = {"401", "403", "429"}
#: What a body can cause: bad input, a late body, a body too large.
BODY = {"400", "408", "413"}


@pytest.mark.parametrize(
    ("method", "path", "statuses"),
    [
        ("get", "/health", {"200"}),
        ("get", "/v1/models", {"200"}),
        ("get", "/v1/models/{model}", {"200", "404"}),
        ("get", "/v1/balance", {"200", *GATED}),
        ("post", "/v1/balance", {"200", *GATED, *BODY}),
        ("post", "/v1/chat/completions", {"200", *BILLED}),
        ("post", "/anthropic/v1/messages", {"200", *BILLED}),
        ("post", "/google/{version}/models/{model_and_method}", {"200", *BILLED}),
        ("post", "/stability/v1/generation/{engine_id}/text-to-image", {"200", *BILLED}),
        ("post", "/v1/audio/transcriptions", {"200", *BILLED}),
        ("get", "/api/v1/images", {"200", "400", *GATED}),
        ("post", "/api/v1/images", {"201", *BILLED}),
        ("get", "/api/v1/images/{image_id}", {"200", "404", *GATED}),
        ("patch", "/api/v1/images/{image_id}", {"200", "404", *GATED, *BODY}),
    ],
)
async def test_each_operation_lists_only_the_statuses_it_can_answer(
    api: ApiHarness, method: str, path: str, statuses: set[str]
) -> None:
    document = await _document(api)
    assert set(document["paths"][path][method]["responses"]) == statuses


async def test_every_status_is_described_once_in_the_error_shape(api: ApiHarness) -> None:
    document = await _document(api)
    described = document["components"]["responses"]
    for operations in document["paths"].values():
        for operation in operations.values():
            errors = {status for status in operation["responses"] if status >= "400"}
            for status in errors:
                reference = operation["responses"][status]["$ref"]
                assert reference == f"#/components/responses/{status}"
                assert described[status]["description"]
    error = described["402"]["content"]["application/json"]
    assert error["schema"] == {"$ref": "#/components/schemas/ErrorResponse"}


def references(value: Any) -> Iterator[str]:
    """Every `$ref` anywhere in a JSON value."""
    if isinstance(value, dict):
        for name, item in value.items():
            if name == "$ref":
                yield item
            else:
                yield from references(item)
    elif isinstance(value, list):
        for item in value:
            yield from references(item)


async def test_no_reference_dangles(api: ApiHarness) -> None:
    document = await _document(api)
    found = set(references(document))
    assert "#/components/schemas/ChatRequest" in found
    for reference in found:
        node: Any = document
        for part in reference.removeprefix("#/").split("/"):
            assert part in node, f"{reference} points nowhere"
            node = node[part]


async def test_operations_are_grouped_by_provider(api: ApiHarness) -> None:
    document = await _document(api)
    names = [tag["name"] for tag in document["tags"]]
    assert names[:4] == ["OpenAI", "Anthropic", "Google Gemini", "Stability"]
    assert all(tag["description"] for tag in document["tags"])
    paths = document["paths"]
    assert paths["/v1/chat/completions"]["post"]["tags"] == ["OpenAI"]
    assert paths["/openai/v1/audio/speech"]["post"]["tags"] == ["OpenAI"]
    assert paths["/anthropic/v1/messages"]["post"]["tags"] == ["Anthropic"]
    assert paths["/google/{version}/models/{model_and_method}"]["post"]["tags"] == [
        "Google Gemini"
    ]
    used = {operation["tags"][0] for ops in paths.values() for operation in ops.values()}
    assert used <= set(names)
    grouped = [name for group in document["x-tagGroups"] for name in group["tags"]]
    assert sorted(grouped) == sorted(names)


async def test_the_introduction_is_in_english_and_russian_and_names_the_prices(
    api: ApiHarness,
) -> None:
    introduction = (await _document(api))["info"]["description"]
    assert "**Getting a key.**" in introduction
    assert "**Ключ.**" in introduction
    assert introduction.count("`GET /v1/models`") == 2
    assert "`max_output_tokens`" in introduction


async def test_the_server_is_the_address_the_request_came_to(api: ApiHarness) -> None:
    document = await _document(api)
    origin = str(api.client.make_url("/").origin())
    assert document["servers"] == [{"url": origin, "description": "this service"}]


async def test_the_server_is_the_public_base_url_when_set(
    api: ApiHarness, aiohttp_client: AiohttpClient
) -> None:
    context = dataclasses.replace(api.context, public_base_url="https://api.example.test/")
    client = await aiohttp_client(create_api_app(context, max_body_bytes=64 * 1024))
    document = await (await client.get("/openapi.json")).json()
    assert document["servers"][0]["url"] == "https://api.example.test"


async def test_the_error_schema_is_what_the_service_renders(api: ApiHarness) -> None:
    rendered = error_body(InsufficientBalanceError("top up"))
    assert ErrorResponse.model_validate(rendered).error.code == "insufficient_balance"
    response = await api.client.get("/v1/nothing-here")
    ErrorResponse.model_validate(await response.json())


async def test_the_docs_need_no_key_and_are_not_errors(api: ApiHarness) -> None:
    response = await api.client.get("/openapi.json", headers={"Authorization": "Bearer nope"})
    assert response.status == 200
    missing = await api.client.post("/openapi.json")
    assert missing.status == 405
    assert_openai_shape(await missing.json())
