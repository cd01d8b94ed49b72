"""The fake provider's legacy completions and moderations, answering as OpenAI does.

They share `FakeUpstream`'s switches (`fail_status`, `prompt_tokens`, `completion_tokens`,
`reply`, `cut_stream_after`, `omit_usage`) and its `requests` record.

Completions answer every prompt of a list apart, `n` choices each (index `prompt * n +
choice`, as OpenAI numbers them), with the prompt in front of the text when `echo` is set; a
stream sends one `text_completion` chunk a word (`"usage": null` in each when usage was
asked for), a last chunk with `finish_reason`, then the usage-only chunk and `[DONE]`.
Moderations answer one result per input (a string, each string of a list, each part of a
multimodal list), flagged when its text contains `FLAGGED_WORD`.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from tests.fakes.upstream import FakeUpstream

FLAGGED_WORD = "attack"
#: OpenAI's moderation categories (the answer names each, with its score and input types).
CATEGORIES = (
    "harassment",
    "harassment/threatening",
    "hate",
    "hate/threatening",
    "illicit",
    "illicit/violent",
    "self-harm",
    "self-harm/instructions",
    "self-harm/intent",
    "sexual",
    "sexual/minors",
    "violence",
    "violence/graphic",
)


def _prompts(prompt: object) -> list[object]:
    if isinstance(prompt, list) and prompt and all(isinstance(p, str | list) for p in prompt):
        return list(prompt)
    return [prompt]


class CompletionRoutes:
    """The handlers, bound to one fake provider's state."""

    def __init__(self, fake: FakeUpstream) -> None:
        self.fake = fake

    def add_to(self, app: web.Application) -> None:
        app.router.add_post("/v1/completions", self.completions)
        app.router.add_post("/v1/moderations", self.moderations)

    async def _received(self, request: web.Request) -> tuple[dict[str, Any], web.Response | None]:
        body: dict[str, Any] = await request.json()
        self.fake.record(request, body)
        if self.fake.fail_status is None:
            return body, None
        error = {"message": self.fake.fail_message, "type": "server_error", "param": None}
        return body, web.json_response({"error": error}, status=self.fake.fail_status)

    def _usage(self) -> dict[str, int]:
        prompt, completion = self.fake.prompt_tokens, self.fake.completion_tokens
        return {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }

    def _base(self, body: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": "cmpl-fake",
            "object": "text_completion",
            "created": int(time.time()),
            "model": body["model"],
        }

    async def completions(self, request: web.Request) -> web.StreamResponse:
        body, failed = await self._received(request)
        if failed is not None:
            return failed
        if body.get("stream"):
            return await self._stream(request, body)
        n = body.get("n") or 1
        choices = [
            {
                "text": (str(prompt) if body.get("echo") else "") + self.fake.reply,
                "index": index * n + choice,
                "logprobs": None,
                "finish_reason": "stop",
            }
            for index, prompt in enumerate(_prompts(body.get("prompt")))
            for choice in range(n)
        ]
        return web.json_response({**self._base(body), "choices": choices, "usage": self._usage()})

    async def _stream(self, request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        wants_usage = (body.get("stream_options") or {}).get("include_usage") is True
        base = {**self._base(body), **({"usage": None} if wants_usage else {})}
        words = self.fake.reply.split(" ")
        for sent, word in enumerate(words):
            if sent == self.fake.cut_stream_after:
                assert request.transport is not None
                request.transport.close()  # the provider dies mid-stream
                return response
            last = sent == len(words) - 1
            choice = {
                "text": word + ("" if last else " "),
                "index": 0,
                "logprobs": None,
                "finish_reason": "stop" if last else None,
            }
            await _send(response, {**base, "choices": [choice]})
        if wants_usage and not self.fake.omit_usage:
            await _send(response, {**base, "choices": [], "usage": self._usage()})
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response

    async def moderations(self, request: web.Request) -> web.Response:
        body, failed = await self._received(request)
        if failed is not None:
            return failed
        given = body["input"]
        inputs = given if isinstance(given, list) else [given]
        return web.json_response(
            {
                "id": "modr-fake",
                "model": body.get("model", "omni-moderation-latest"),
                "results": [_moderation(item) for item in inputs],
            }
        )


def _moderation(item: object) -> dict[str, Any]:
    text = item if isinstance(item, str) else json.dumps(item)
    flagged = FLAGGED_WORD in text
    kind = "image" if isinstance(item, dict) and item.get("type") == "image_url" else "text"
    return {
        "flagged": flagged,
        "categories": {name: flagged and name == "violence" for name in CATEGORIES},
        "category_scores": {
            name: 0.9 if flagged and name == "violence" else 0.01 for name in CATEGORIES
        },
        "category_applied_input_types": {name: [kind] for name in CATEGORIES},
    }


async def _send(response: web.StreamResponse, event: dict[str, Any]) -> None:
    await response.write(f"data: {json.dumps(event)}\n\n".encode())
