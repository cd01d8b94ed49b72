"""The API's OpenAPI 3.1 document, built from the running app's router and the routes' models.

Paths and methods come from `app.router`, request bodies from each route's own pydantic model
(`model_json_schema()`), so neither can drift from the code: a route added to `api.app` shows
up here even before anyone describes it (as "undocumented", which a test refuses). The only
hand-written parts are what code cannot say (summaries, the multipart audio form, the path
parameters' accepted values): each routes module declares them beside its routes, and the
app carries them (`api.route_rows.OPERATIONS`), so this module imports no route. The words
no route says (the introduction, the tags, what each status means) are `api.openapi_intro`;
each operation's curl and Python samples are made by `api.openapi_samples`. Each operation
lists only the statuses it can answer, derived from what it is (`error_statuses`), and every
`$ref` points into the document's own components. A pure function of the app: no I/O, no
caching; the server's address is the caller's to add (`with_server`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from aiohttp import web
from pydantic import BaseModel

from api.openapi_intro import ERROR_MEANINGS, INTRODUCTION, document_tags, tag_groups, tag_name
from api.openapi_models import (
    BILLED_TAGS,
    BodyCredentials,
    ErrorResponse,
    Handler,
    OperationDoc,
)
from api.openapi_samples import code_samples
from api.route_rows import OPERATIONS

OPENAPI_VERSION = "3.1.0"
_REF = "#/components/schemas/{model}"
#: What a billed call can answer besides its success: bad input, the gate and the hold,
#: an unknown model, idempotency, and the provider's failures (nothing charged for them).
_BILLED_STATUSES = frozenset(
    {"400", "401", "402", "403", "404", "408", "409", "413", "422", "429", "502", "503", "504"}
)
_PATH_PARAMETER = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")
#: aiohttp registers a HEAD twin for every GET; OpenAPI tools leave it implicit too.
IMPLICIT_METHODS = frozenset({"HEAD", "OPTIONS"})
UNDOCUMENTED = "undocumented"


def documented_routes(
    app: web.Application, hidden: frozenset[Handler]
) -> Iterator[web.AbstractRoute]:
    """The router's routes that belong in the document: not the docs themselves, not HEAD."""
    for route in app.router.routes():
        if route.method in IMPLICIT_METHODS or route.handler in hidden:
            continue
        if route.resource is None or route.resource.canonical is None:
            continue
        yield route


def build_openapi(
    app: web.Application, *, version: str, hidden: frozenset[Handler] = frozenset()
) -> dict[str, Any]:
    """The whole document for `app`; `hidden` handlers (the docs routes) are left out."""
    schemas: dict[str, Any] = {}
    paths: dict[str, dict[str, Any]] = {}
    operations = app.get(OPERATIONS, {})
    for route in documented_routes(app, hidden):
        assert route.resource is not None
        path = route.resource.canonical
        doc = operations.get(route.handler) or OperationDoc(UNDOCUMENTED, UNDOCUMENTED)
        method = route.method.lower()
        paths.setdefault(path, {})[method] = _operation(method, path, doc, schemas)
    for model in (ErrorResponse, BodyCredentials):
        _add_schema(model, schemas)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": "myapi", "version": version, "description": INTRODUCTION},
        "tags": document_tags(),
        "x-tagGroups": tag_groups(),
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": _SECURITY_SCHEMES,
            "responses": _error_responses(),
        },
    }


def with_server(document: dict[str, Any], base_url: str) -> dict[str, Any]:
    """The document with `base_url` as its one server (a shallow copy: the rest is shared)."""
    return {**document, "servers": [{"url": base_url, "description": "this service"}]}


def error_statuses(path: str, doc: OperationDoc) -> list[str]:
    """The error statuses this operation can answer, from what it is: input that can be bad,
    a body that can be late or too large, a path naming what may not exist, a gate, a hold."""
    statuses: set[str] = set()
    if doc.body is not None or doc.form is not None:
        statuses |= {"400", "408", "413"}
    if doc.query or doc.query_model is not None:
        statuses.add("400")
    if _PATH_PARAMETER.search(path):
        statuses.add("404")
    if doc.secured:
        statuses |= {"401", "403", "429"}
    if doc.billed or (doc.tag in BILLED_TAGS and doc.secured):
        statuses |= _BILLED_STATUSES
    return sorted(statuses)


def _add_schema(model: type[BaseModel], schemas: dict[str, Any]) -> dict[str, str]:
    """Put the model (and its nested models) in components; answer a reference to it."""
    schema = model.model_json_schema(ref_template=_REF, mode="validation")
    schemas.update(schema.pop("$defs", {}))
    schemas[model.__name__] = schema
    return {"$ref": _REF.format(model=model.__name__)}


def _operation(
    method: str, path: str, doc: OperationDoc, schemas: dict[str, Any]
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": doc.summary,
        "tags": [tag_name(doc.tag)],
        "operationId": f"{method}_{_operation_id(path)}",
        "responses": {
            doc.success: {
                "description": "success",
                "content": _answer_content(doc, schemas),
            },
            **{
                status: {"$ref": f"#/components/responses/{status}"}
                for status in error_statuses(path, doc)
            },
        },
        "x-codeSamples": code_samples(method.upper(), path, doc),
    }
    parameters = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": doc.path.get(name, {"type": "string", "minLength": 1}),
        }
        for name in _PATH_PARAMETER.findall(path)
    ]
    parameters.extend(doc.query)
    if doc.query_model is not None:
        parameters.extend(_query_parameters(doc.query_model, schemas))
    if parameters:
        operation["parameters"] = parameters
    if doc.body is not None:
        reference = _add_schema(doc.body, schemas)
        content: dict[str, Any] = {media: {"schema": reference} for media in doc.body_types}
        if doc.example is not None:
            content["application/json"]["example"] = doc.example
        operation["requestBody"] = {"required": True, "content": content}
    elif doc.form is not None:
        content = {"multipart/form-data": {"schema": doc.form}}
        operation["requestBody"] = {"required": True, "content": content}
    operation["security"] = _SECURITY if doc.secured else []
    return operation


def _answer_content(doc: OperationDoc, schemas: dict[str, Any]) -> dict[str, Any]:
    """Each media type of the success; JSON with its schema when the service shapes it."""
    content: dict[str, Any] = {media: {} for media in doc.answers}
    if doc.answer is not None:
        content["application/json"] = {"schema": _add_schema(doc.answer, schemas)}
    return content


def _query_parameters(model: type[BaseModel], schemas: dict[str, Any]) -> list[dict[str, Any]]:
    """A query model's fields as optional query parameters; the enums go to components."""
    schema = model.model_json_schema(ref_template=_REF, mode="validation")
    schemas.update(schema.pop("$defs", {}))
    return [
        {"name": name, "in": "query", "required": False, "schema": field_schema}
        for name, field_schema in schema["properties"].items()
    ]


def _operation_id(path: str) -> str:
    """The path as an identifier; prefixed with the method, it is unique in the document."""
    return re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_") or "root"


_SECURITY_SCHEMES: dict[str, Any] = {
    "bearer": {"type": "http", "scheme": "bearer", "description": "the OpenAI SDK's way"},
    "x-api-key": {"type": "apiKey", "in": "header", "name": "x-api-key"},
    "x-goog-api-key": {"type": "apiKey", "in": "header", "name": "x-goog-api-key"},
    "query-key": {"type": "apiKey", "in": "query", "name": "key"},
}
#: Any one of them; `username` and `key` in the JSON body (BodyCredentials) work too.
_SECURITY: list[dict[str, list[str]]] = [{name: []} for name in _SECURITY_SCHEMES]


def _error_responses() -> dict[str, Any]:
    content = {"application/json": {"schema": {"$ref": _REF.format(model="ErrorResponse")}}}
    return {
        status: {"description": text, "content": content}
        for status, text in ERROR_MEANINGS.items()
    }
