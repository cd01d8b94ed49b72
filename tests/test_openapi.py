"""The OpenAPI document and the docs page describe the routes the app really serves."""

from __future__ import annotations

from typing import Any

from aiohttp import web

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


ERROR_STATUSES = ("400", "401", "402", "403", "404", "413", "429", "5XX")


async def test_every_operation_documents_the_error_statuses(api: ApiHarness) -> None:
    document = await _document(api)
    for operations in document["paths"].values():
        for operation in operations.values():
            [success] = set(operation["responses"]) - set(ERROR_STATUSES)
            assert success in ("200", "201")
            assert set(operation["responses"]) == {success, *ERROR_STATUSES}
    error = document["components"]["responses"]["402"]["content"]["application/json"]
    assert error["schema"] == {"$ref": "#/components/schemas/ErrorResponse"}


async def test_the_error_schema_is_what_the_service_renders(api: ApiHarness) -> None:
    rendered = error_body(InsufficientBalanceError("top up"))
    assert ErrorResponse.model_validate(rendered).error.code == "insufficient_balance"
    response = await api.client.get("/v1/nothing-here")
    ErrorResponse.model_validate(await response.json())


async def test_the_docs_page_lists_every_operation_and_loads_nothing(api: ApiHarness) -> None:
    document = await _document(api)
    response = await api.client.get("/docs")
    page = await response.text()
    assert response.status == 200
    assert response.content_type == "text/html"
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    for path in document["paths"]:
        assert f"<code>{path}</code>" in page
    assert "<script" not in page
    assert "src=" not in page


async def test_the_docs_need_no_key_and_are_not_errors(api: ApiHarness) -> None:
    response = await api.client.get("/openapi.json", headers={"Authorization": "Bearer nope"})
    assert response.status == 200
    missing = await api.client.post("/openapi.json")
    assert missing.status == 405
    assert_openai_shape(await missing.json())
