"""The fake provider's Responses API, answering and streaming as OpenAI does.

It shares `FakeUpstream`'s switches (`fail_status`, `fail_message`, `prompt_tokens` and
`completion_tokens` as the usage's totals, `reply`, and for streams `cut_stream_after`,
`pause_stream`, `usage_gate`, `omit_usage`) and its `requests` record; `FakeResponses`
holds its own: the usage's details, how a response ends, the built-in tool calls it makes
(tests/fakes/openai_tool_calls.py), and the responses it stores.

Like OpenAI, it keeps every response created without `store: false` (with its input
items) until it is deleted, answers an unknown id with 404 in OpenAI's words, refuses a
`previous_response_id` it does not keep, and refuses to cancel a response that was not
created in the background. A background response stays `queued`, without usage, until the
test lets it finish (`FakeResponses.finish`) or cancels it.
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.fakes.openai_tool_calls import tool_call_events, tool_call_items

if TYPE_CHECKING:
    from tests.fakes.upstream import FakeUpstream

#: How each ending is streamed: its final event's type.
_FINAL_EVENT = {
    "completed": "response.completed",
    "incomplete": "response.incomplete",
    "failed": "response.failed",
}


@dataclass
class FakeResponses:
    #: Parts of the usage's totals: cached and cache-written input, reasoning output.
    cached_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0
    #: How a response ends: "completed", "incomplete" (its output limit) or "failed".
    status: str = "completed"
    #: What `/responses/input_tokens` counts.
    counted_tokens: int = 11
    #: Every stored response by id, with the body and input items it was created from.
    stored: dict[str, dict[str, Any]] = field(default_factory=dict)
    bodies: dict[str, dict[str, Any]] = field(default_factory=dict)
    inputs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    #: Background responses the test has let finish (`finish`); the others stay queued.
    done: set[str] = field(default_factory=set)
    #: Whether a cancelled background response reports the usage it had run up.
    cancel_usage: bool = True
    #: The built-in tool calls each response makes before its message, in order
    #: ("web_search", "file_search": tests/fakes/openai_tool_calls.py).
    tool_calls: list[str] = field(default_factory=list)

    def finish(self, response_id: str) -> None:
        """A background response reaches `status` with the usage then set."""
        self.done.add(response_id)


def _error(status: int, message: str, param: str | None = None) -> web.Response:
    error = {"message": message, "type": "invalid_request_error", "param": param, "code": None}
    return web.json_response({"error": error}, status=status)


def _input_items(body: dict[str, Any], response_id: str) -> list[dict[str, Any]]:
    given = body.get("input")
    if isinstance(given, str):
        text = {"type": "input_text", "text": given}
        given = [{"type": "message", "role": "user", "content": [text]}]
    items = [item for item in given or [] if isinstance(item, dict)]
    return [{"id": f"msg_in_{response_id}_{n}", **item} for n, item in enumerate(items)]


class ResponsesRoutes:
    """`/v1/responses` and the calls on one stored response."""

    def __init__(self, fake: FakeUpstream) -> None:
        self.fake = fake
        self.state = fake.responses

    def add_to(self, app: web.Application) -> None:
        app.router.add_post("/v1/responses", self.create)
        app.router.add_post("/v1/responses/input_tokens", self.count)
        app.router.add_get("/v1/responses/{id}", self.retrieve)
        app.router.add_delete("/v1/responses/{id}", self.delete)
        app.router.add_post("/v1/responses/{id}/cancel", self.cancel)
        app.router.add_get("/v1/responses/{id}/input_items", self.input_items)

    def _failure(self) -> web.Response | None:
        if self.fake.fail_status is None:
            return None
        error = {"message": self.fake.fail_message, "type": "server_error", "param": None}
        return web.json_response({"error": error}, status=self.fake.fail_status)

    def _record(self, request: web.Request, body: dict[str, Any] | None = None) -> None:
        self.fake.record(request, body if body is not None else dict(request.query))

    def usage(self) -> dict[str, Any]:
        fake, state = self.fake, self.state
        return {
            "input_tokens": fake.prompt_tokens,
            "input_tokens_details": {
                "cached_tokens": state.cached_tokens,
                "cache_write_tokens": state.cache_write_tokens,
            },
            "output_tokens": fake.completion_tokens,
            "output_tokens_details": {"reasoning_tokens": state.reasoning_tokens},
            "total_tokens": fake.prompt_tokens + fake.completion_tokens,
        }

    def response(self, body: dict[str, Any], response_id: str, status: str) -> dict[str, Any]:
        """The response object at `status`, its output the whole reply once it is final."""
        final = status not in ("in_progress", "queued")
        text = {"type": "output_text", "text": self.fake.reply, "annotations": []}
        message = {
            "id": f"msg_{response_id}",
            "type": "message",
            "role": "assistant",
            "status": "completed",
            "content": [text],
        }
        calls = tool_call_items(self.state.tool_calls, response_id)
        return {
            "id": response_id,
            "object": "response",
            "created_at": int(time.time()),
            "status": status,
            "model": body.get("model"),
            "output": [*calls, message] if final else [],
            "usage": self.usage() if final else None,
            "error": {"code": "server_error", "message": "the fake failed"}
            if status == "failed"
            else None,
            "incomplete_details": {"reason": "max_output_tokens"}
            if status == "incomplete"
            else None,
            "previous_response_id": body.get("previous_response_id"),
            "background": bool(body.get("background")),
            "parallel_tool_calls": True,
            "tool_choice": "auto",
            "tools": body.get("tools") or [],
            "max_tool_calls": body.get("max_tool_calls"),
        }

    async def create(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self._record(request, body)
        if failed := self._failure():
            return failed
        previous = body.get("previous_response_id")
        if previous is not None and previous not in self.state.stored:
            message = f"Previous response with id '{previous}' not found."
            return _error(404, message, "previous_response_id")
        response_id = f"resp_fake{next(self.state.ids):04d}"
        status = "queued" if body.get("background") else self.state.status
        final = self.response(body, response_id, status)
        if body.get("store") is not False:
            self.state.stored[response_id] = final
            self.state.bodies[response_id] = body
            self.state.inputs[response_id] = _input_items(body, response_id)
        if body.get("stream"):
            return await ResponseStream(self, request, body, response_id).send()
        return web.json_response(final)

    async def count(self, request: web.Request) -> web.Response:
        body = await request.json()
        self._record(request, body)
        if failed := self._failure():
            return failed
        answer = {"object": "response.input_tokens", "input_tokens": self.state.counted_tokens}
        return web.json_response(answer)

    def _stored(self, request: web.Request) -> dict[str, Any] | web.Response:
        self._record(request)
        response_id = request.match_info["id"]
        found = self.state.stored.get(response_id)
        if found is None:
            return _error(404, f"Response with id '{response_id}' not found.")
        if found["status"] == "queued" and response_id in self.state.done:
            found = self.response(self.state.bodies[response_id], response_id, self.state.status)
            self.state.stored[response_id] = found
        return found

    async def retrieve(self, request: web.Request) -> web.Response:
        found = self._stored(request)
        return found if isinstance(found, web.Response) else web.json_response(found)

    async def delete(self, request: web.Request) -> web.Response:
        found = self._stored(request)
        if isinstance(found, web.Response):
            return found
        del self.state.stored[found["id"]]
        deleted = {"id": found["id"], "object": "response.deleted", "deleted": True}
        return web.json_response(deleted)

    async def cancel(self, request: web.Request) -> web.Response:
        found = self._stored(request)
        if isinstance(found, web.Response):
            return found
        if not found["background"]:
            return _error(400, "Only responses created with background=true can be cancelled.")
        if found["status"] != "queued":
            return _error(400, f"Cannot cancel a response that is {found['status']}.")
        body = self.state.bodies[found["id"]]
        cancelled = self.response(body, found["id"], "cancelled")
        if not self.state.cancel_usage:
            cancelled["usage"] = None
        self.state.stored[found["id"]] = cancelled
        return web.json_response(cancelled)

    async def input_items(self, request: web.Request) -> web.Response:
        found = self._stored(request)
        if isinstance(found, web.Response):
            return found
        items = self.state.inputs[found["id"]]
        return web.json_response(
            {
                "object": "list",
                "data": items,
                "first_id": items[0]["id"] if items else None,
                "last_id": items[-1]["id"] if items else None,
                "has_more": False,
            }
        )


class ResponseStream:
    """One streamed response: OpenAI's event sequence, with the fake's stream faults."""

    def __init__(
        self, routes: ResponsesRoutes, request: web.Request, body: dict[str, Any], response_id: str
    ) -> None:
        self.routes, self.fake = routes, routes.fake
        self.request, self.body, self.response_id = request, body, response_id
        self.numbers = itertools.count()
        self.out = web.StreamResponse(headers={"Content-Type": "text/event-stream"})

    async def event(self, kind: str, **fields: Any) -> None:
        event = {"type": kind, "sequence_number": next(self.numbers), **fields}
        await self.out.write(f"event: {kind}\ndata: {json.dumps(event)}\n\n".encode())

    async def send(self) -> web.StreamResponse:
        await self.out.prepare(self.request)
        begun = self.routes.response(self.body, self.response_id, "in_progress")
        await self.event("response.created", response=begun)
        await self.event("response.in_progress", response=begun)
        tools = self.routes.state.tool_calls
        for index, tool in enumerate(tools):
            for kind, fields in tool_call_events(tool, self.response_id, index):
                await self.event(kind, **fields)
        item = {"id": f"msg_{self.response_id}", "type": "message", "role": "assistant"}
        where = {"item_id": item["id"], "output_index": len(tools)}
        await self.event(
            "response.output_item.added",
            output_index=len(tools),
            item={**item, "status": "in_progress", "content": []},
        )
        part = {"type": "output_text", "text": "", "annotations": []}
        await self.event("response.content_part.added", **where, content_index=0, part=part)
        if not await self.deltas(where):
            return self.out
        await self.finish(item, where)
        await self.out.write_eof()
        return self.out

    async def deltas(self, where: dict[str, Any]) -> bool:
        """The reply word by word; False when the fake dies mid-stream."""
        for sent, word in enumerate(self.fake.reply.split(" ")):
            if sent == self.fake.cut_stream_after:
                assert self.request.transport is not None
                self.request.transport.close()  # the provider dies mid-stream
                return False
            await self.event(
                "response.output_text.delta", **where, content_index=0, delta=word + " "
            )
            if sent == 0 and self.fake.pause_stream is not None:
                await self.fake.pause_stream.wait()
        return True

    async def finish(self, item: dict[str, Any], where: dict[str, Any]) -> None:
        text = self.fake.reply
        await self.event("response.output_text.done", **where, content_index=0, text=text)
        part = {"type": "output_text", "text": text, "annotations": []}
        await self.event("response.content_part.done", **where, content_index=0, part=part)
        done = {**item, "status": "completed", "content": [part]}
        await self.event(
            "response.output_item.done", output_index=where["output_index"], item=done
        )
        if self.fake.usage_gate is not None:
            await self.fake.usage_gate.wait()
        status = self.routes.state.status
        final = self.routes.response(self.body, self.response_id, status)
        if self.fake.omit_usage:
            final["usage"] = None
        await self.event(_FINAL_EVENT[status], response=final)
