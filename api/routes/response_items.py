"""Managing a stored response: retrieve, delete, cancel, list its input items.

Free, but through the gate (a wrong key counts as a failed attempt, and the call leaves a
usage record at cost 0), and only for a response the caller created here: any other id is
404 `not_found` before anything is sent to the provider (`api.response_owners`). The
provider's answer is passed on as it came: its status, body and type. A retrieve or a
cancel that shows a background response in a final state settles it (`api.background`).
"""

from __future__ import annotations

from aiohttp import web
from multidict import MultiDict

from api.background import settle_if_final
from api.context import context_of
from api.credentials import take_credentials
from api.errors import ConflictError, InvalidRequestError
from api.openapi_models import Handler, OperationDoc
from api.pipeline import billed_request
from api.response_owners import require_owned
from api.route_rows import openai_rows
from providers.responses_client import StoredResponses, stored_responses_route

#: The query parameter that carries a key (`?key=`): never forwarded.
_KEY_PARAM = "key"


def _forwarded_query(request: web.Request) -> MultiDict[str]:
    """The client's query (`include[]`, `after`, `limit`, `order`...) without its key.

    Streaming a stored background response (`stream=true`) is not served: it is polled.
    Refused before the gate.
    """
    if request.query.get("stream", "false").lower() != "false":
        raise InvalidRequestError(
            "`stream` is not served when retrieving a response: leave it out and retrieve "
            "a background response again until it has finished",
            param="stream",
            code="unsupported_parameter",
        )
    return MultiDict((name, value) for name, value in request.query.items() if name != _KEY_PARAM)


async def _on_stored(
    request: web.Request, method: str, action: str = "", *, settles: bool = False
) -> web.StreamResponse:
    """`method` on the caller's stored response `{response_id}` (`action` below it).

    `settles`: the answer is the response itself (a retrieve, a cancel), so a background
    response whose hold is still kept is settled from it once it shows a final state.
    Deleting one is refused until then: what it cost could not be learned any more.
    """
    context = context_of(request)
    response_id = request.match_info["response_id"]
    credentials = take_credentials(request, None)
    params = _forwarded_query(request)
    route = stored_responses_route(context.registry)
    async with billed_request(request, credentials, route, 0, body=None) as call:
        [owned] = await require_owned(context, call.account_id, [("response_id", response_id)])
        if method == "DELETE" and owned.open:
            raise ConflictError(
                f"the background response {response_id!r} has not been settled yet: retrieve "
                "it once it has finished (or cancel it), then delete it",
                code="response_in_progress",
            )
        reply = await StoredResponses(context.upstream).call(
            route, method, response_id, action, params
        )
        if settles:
            await settle_if_final(context, owned, reply.body)
        answer = web.Response(body=reply.body, status=reply.status)
        answer.headers["Content-Type"] = reply.content_type
        return call.answer(answer)


async def retrieve_response(request: web.Request) -> web.StreamResponse:
    return await _on_stored(request, "GET", settles=True)


async def delete_response(request: web.Request) -> web.StreamResponse:
    return await _on_stored(request, "DELETE")


async def cancel_response(request: web.Request) -> web.StreamResponse:
    return await _on_stored(request, "POST", "/cancel", settles=True)


async def list_input_items(request: web.Request) -> web.StreamResponse:
    return await _on_stored(request, "GET", "/input_items")


_ID = {"response_id": {"type": "string", "maxLength": 256, "examples": ["resp_123"]}}
_INCLUDE = {"name": "include[]", "in": "query", "required": False, "schema": {"type": "string"}}
_PAGE = tuple(
    {"name": name, "in": "query", "required": False, "schema": schema}
    for name, schema in (
        ("after", {"type": "string"}),
        ("limit", {"type": "integer", "minimum": 1, "maximum": 100}),
        ("order", {"enum": ["asc", "desc"]}),
    )
)
ROUTES = (
    *openai_rows("GET", "/responses/{response_id}", retrieve_response),
    *openai_rows("DELETE", "/responses/{response_id}", delete_response),
    *openai_rows("POST", "/responses/{response_id}/cancel", cancel_response),
    *openai_rows("GET", "/responses/{response_id}/input_items", list_input_items),
)
OPERATIONS: dict[Handler, OperationDoc] = {
    retrieve_response: OperationDoc(
        "A stored response of yours (free)", "openai", path=_ID, query=(_INCLUDE,)
    ),
    delete_response: OperationDoc("Delete a stored response of yours (free)", "openai", path=_ID),
    cancel_response: OperationDoc("Cancel a response of yours (free)", "openai", path=_ID),
    list_input_items: OperationDoc(
        "The input items of a stored response of yours (free)",
        "openai",
        path=_ID,
        query=(_INCLUDE, *_PAGE),
    ),
}
