"""The Responses dialect's pure rules: the hold bounds what a response can cost, the stream
scanner passes every byte on and finds the final usage, and the request rules refuse what
cannot be billed (before the gate, over the real app: nothing written, nothing forwarded)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from providers.catalog import load_catalog
from providers.errors import UnboundedRequestError
from providers.openai_holds import IMAGE_PART_TOKENS
from providers.openai_responses import ResponsesScanner, created_response_id
from providers.prompt_bound import json_bytes
from providers.responses_holds import hold_for_response, max_input_tokens, max_output_tokens
from providers.usage import TokenUsage
from tests.conftest import ApiHarness
from tests.ledger import table_snapshot

GPT_5 = load_catalog().get("gpt-5")
HELLO: dict[str, Any] = {"model": "gpt-5", "input": "Hello"}


def _image_part(size: int, **extra: str) -> dict[str, Any]:
    data = base64.b64encode(bytes(size)).decode()
    return {"type": "input_image", "image_url": f"data:image/png;base64,{data}", **extra}


def _with(*parts: dict[str, Any]) -> dict[str, Any]:
    return {**HELLO, "input": [{"role": "user", "content": list(parts)}]}


# --- the hold ----------------------------------------------------------------------------


def test_the_prompt_bound_is_every_byte_of_the_body_plus_framing() -> None:
    body = {**HELLO, "instructions": "Be brief.", "tools": [{"type": "function", "name": "f"}]}
    bound = max_input_tokens(body, GPT_5)
    assert json_bytes(body) < bound < json_bytes(body) + 64


def test_an_image_costs_its_bound_whatever_its_bytes() -> None:
    small = max_input_tokens(_with(_image_part(3)), GPT_5)
    large = max_input_tokens(_with(_image_part(300_000)), GPT_5)
    assert small == large
    assert small > IMAGE_PART_TOKENS


@pytest.mark.parametrize(
    "body",
    [
        {**HELLO, "previous_response_id": "resp_1"},
        {**HELLO, "prompt": {"id": "pmpt_1"}},
        _with({"type": "input_file", "file_id": "file-1"}),
        _with({"type": "input_file", "file_data": "data:application/pdf;base64,AAAA"}),
        _with(_image_part(3, detail="original")),
        {**HELLO, "input": [{"type": "item_reference", "id": "msg_1"}]},
        {**HELLO, "input": [{"type": "reasoning", "summary": [], "encrypted_content": "x"}]},
    ],
    ids=["previous", "template", "file_id", "file_data", "original_image", "item", "reasoning"],
)
def test_a_prompt_of_unknown_size_is_held_at_the_whole_window(body: dict[str, Any]) -> None:
    assert max_input_tokens(body, GPT_5) == GPT_5.context_window


@pytest.mark.parametrize(
    ("asked", "held"), [(None, 128_000), (500, 500), (10**9, 128_000)], ids=str
)
def test_the_output_is_the_asked_limit_capped_at_the_models(asked: int | None, held: int) -> None:
    assert max_output_tokens({**HELLO, "max_output_tokens": asked}, GPT_5) == held


@pytest.mark.parametrize("value", [0, -1, 1.5, "100", True])
def test_an_output_limit_that_is_not_a_whole_number_cannot_be_held(value: object) -> None:
    with pytest.raises(UnboundedRequestError) as refused:
        hold_for_response({**HELLO, "max_output_tokens": value}, GPT_5)
    assert refused.value.param == "max_output_tokens"


def test_the_hold_covers_any_usage_within_its_bounds() -> None:
    body = {**HELLO, "max_output_tokens": 2000}
    most = TokenUsage(max_input_tokens(body, GPT_5), 2000, reasoning_tokens=2000)
    assert GPT_5.cost_of(most) <= hold_for_response(body, GPT_5)


# --- the stream scanner --------------------------------------------------------------------


def _event(kind: str, **fields: Any) -> bytes:
    return f"event: {kind}\ndata: {json.dumps({'type': kind, **fields})}\n\n".encode()


USAGE = {
    "input_tokens": 30,
    "input_tokens_details": {"cached_tokens": 20, "cache_write_tokens": 5},
    "output_tokens": 40,
    "output_tokens_details": {"reasoning_tokens": 25},
}
STREAM = b"".join(
    [
        _event("response.created", response={"id": "resp_1", "usage": None, "error": None}),
        _event("response.output_text.delta", delta="Hi"),
        _event("response.output_text.delta", delta=' "response.completed"'),
        _event("response.completed", response={"id": "resp_1", "usage": USAGE}),
    ]
)
REPORTED = TokenUsage(30, 40, cache_read_tokens=20, cache_write_tokens=5, reasoning_tokens=25)


@pytest.mark.parametrize("size", [1, 7, 64, len(STREAM)])
def test_the_scanner_passes_every_byte_on_and_reads_the_final_usage(size: int) -> None:
    scanner = ResponsesScanner()
    chunks = [STREAM[i : i + size] for i in range(0, len(STREAM), size)]
    passed = b"".join(scanner.feed(chunk) for chunk in chunks) + scanner.finish()
    assert passed == STREAM
    assert scanner.reported() == REPORTED
    assert scanner.output_events == 2
    assert not scanner.failed


def test_a_failed_response_is_a_failure_billed_from_its_usage() -> None:
    scanner = ResponsesScanner()
    scanner.feed(_event("response.failed", response={"id": "resp_1", "usage": USAGE}))
    assert scanner.failed
    assert scanner.reported() == REPORTED


def test_an_error_event_is_a_failure_without_usage() -> None:
    scanner = ResponsesScanner()
    scanner.feed(_event("response.output_text.delta", delta="Hi"))
    scanner.feed(_event("error", code="server_error", message="boom"))
    assert scanner.failed
    assert scanner.reported() is None
    assert scanner.produced(7) == TokenUsage(7, 1)


def test_the_created_event_gives_the_response_id() -> None:
    assert created_response_id(STREAM.partition(b"\n\n")[0]) == "resp_1"
    assert created_response_id(_event("response.in_progress", response={"id": "r"})) is None


# --- the request rules, over the real app -------------------------------------------------

#: Each refused request: what it adds to HELLO, the field the 400 names, and its code.
REFUSED: dict[str, tuple[dict[str, Any], str, str]] = {
    "web_search_unpriced": (
        {"model": "gpt-4.1-nano", "tools": [{"type": "web_search"}]},
        "tools[0].type",
        "option_not_priced",
    ),
    "file_search_unpriced": (
        {
            "model": "gpt-4.1-nano",
            "tools": [{"type": "function", "name": "f"}, {"type": "file_search"}],
        },
        "tools[1].type",
        "option_not_priced",
    ),
    "code_interpreter": (
        {"tools": [{"type": "code_interpreter", "container": {"type": "auto"}}]},
        "tools[0].type",
        "option_not_priced",
    ),
    "hosted_shell": (
        {"tools": [{"type": "shell", "environment": {"type": "container_auto"}}]},
        "tools[0].type",
        "option_not_priced",
    ),
    "mcp": (
        {"tools": [{"type": "mcp", "server_label": "x", "server_url": "https://x"}]},
        "tools[0].type",
        "option_not_priced",
    ),
    "priority": ({"service_tier": "priority"}, "service_tier", "option_not_priced"),
    "compaction": (
        {"context_management": [{"type": "compaction"}]},
        "context_management",
        "option_not_priced",
    ),
    "conversation": ({"conversation": "conv_1"}, "conversation", "unsupported_parameter"),
    "no_limit": ({"max_output_tokens": 0}, "max_output_tokens", "invalid_request"),
    "anthropic": ({"model": "claude-opus-4-1"}, "model", "model_not_supported"),
    "embedding": ({"model": "text-embedding-3-small"}, "model", "invalid_request"),
}


@pytest.mark.parametrize("case", list(REFUSED))
async def test_what_cannot_be_billed_is_refused_before_the_gate(
    api: ApiHarness, case: str
) -> None:
    extra, param, code = REFUSED[case]
    key = await api.register()
    before = await table_snapshot(api.storage)
    response = await api.client.post(
        "/v1/responses", json={**HELLO, **extra}, headers={"Authorization": f"Bearer {key}"}
    )
    error = (await response.json())["error"]
    assert (response.status, error["param"], error["code"]) == (400, param, code)
    assert await table_snapshot(api.storage) == before
    assert api.upstream.requests == []


async def test_the_refusal_names_the_built_in_tool(api: ApiHarness) -> None:
    key = await api.register()
    body = {**HELLO, "tools": [{"type": "image_generation"}]}
    response = await api.client.post(
        "/v1/responses", json=body, headers={"Authorization": f"Bearer {key}"}
    )
    assert "'image_generation'" in (await response.json())["error"]["message"]


@pytest.mark.parametrize(
    "tool",
    [
        {"type": "function", "name": "f", "parameters": {"type": "object"}},
        {"type": "custom", "name": "c"},
        {"type": "computer_use_preview", "display_width": 8, "display_height": 8},
        {"type": "shell"},
        {"type": "apply_patch"},
    ],
    ids=lambda tool: tool["type"],
)
async def test_tools_billed_as_tokens_pass(api: ApiHarness, tool: dict[str, Any]) -> None:
    key = await api.register(credit=10**7)
    response = await api.client.post(
        "/v1/responses",
        json={**HELLO, "tools": [tool]},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status == 200
    assert api.upstream.requests[0].body["tools"] == [tool]


async def test_retrieving_as_a_stream_is_refused_before_the_gate(api: ApiHarness) -> None:
    key = await api.register()
    before = await table_snapshot(api.storage)
    response = await api.client.get(
        "/v1/responses/resp_1?stream=true", headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status == 400
    assert (await response.json())["error"]["param"] == "stream"
    assert await table_snapshot(api.storage) == before


async def test_counting_needs_a_model(api: ApiHarness) -> None:
    key = await api.register()
    response = await api.client.post(
        "/v1/responses/input_tokens",
        json={"input": "hi"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status == 400
    assert (await response.json())["error"]["param"] == "model"


async def test_an_idempotent_retry_replays_the_response_billed_once(api: ApiHarness) -> None:
    key = await api.register(credit=10**7)
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": "retry-1"}
    first = await api.client.post("/v1/responses", json=HELLO, headers=headers)
    again = await api.client.post("/v1/responses", json=HELLO, headers=headers)
    assert (first.status, again.status) == (200, 200)
    assert await first.json() == await again.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(api.upstream.requests) == 1
