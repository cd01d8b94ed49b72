"""`:streamGenerateContent?alt=sse`: Google's events relayed as they arrive, byte for byte,
and every way a stream can end billed for what it produced (nothing when nothing was)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from providers.catalog import load_catalog
from providers.gemini_holds import hold_for_generation
from providers.prompt_estimate import gemini_prompt_tokens
from providers.usage import TokenUsage
from tests.conftest import ApiHarness
from tests.fakes.gemini import FakeGemini
from tests.ledger import account_state, calls, the_call

MODEL = load_catalog().get("gemini-1.5-flash")
URL = "/google/v1beta/models/gemini-1.5-flash:streamGenerateContent?alt=sse"
BODY: dict[str, Any] = {"contents": [{"role": "user", "parts": [{"text": "Say hello"}]}]}
CREDIT = 10**6

pytestmark = pytest.mark.fake_providers("gemini")


def events(text: str) -> list[dict[str, Any]]:
    return [json.loads(part.removeprefix("data: ")) for part in text.split("\r\n\r\n") if part]


def output_tokens(*pieces: str) -> int:
    """What a broken stream is billed for its output: a token per four bytes, rounded up."""
    return -(-len("".join(pieces).encode()) // 4)


async def test_a_stream_is_relayed_byte_for_byte_and_billed_from_the_final_usage(
    api: ApiHarness, fake_gemini: FakeGemini
) -> None:
    fake_gemini.prompt_tokens, fake_gemini.candidates_tokens = 1000, 2000
    key = await api.register(credit=CREDIT)
    response = await api.client.post(URL, json=BODY, headers={"x-goog-api-key": key})
    assert response.headers["Content-Type"].startswith("text/event-stream")
    assert response.headers["X-Myapi-Held-Units"] == str(hold_for_generation(BODY, MODEL))
    assert await response.read() == bytes(fake_gemini.streamed)
    assert await account_state(api) == (CREDIT - 675, 0, 0)
    [call] = await calls(api)
    assert (call["status"], call["input_units"], call["output_units"]) == (200, 1000, 2000)


async def test_events_reach_the_client_before_the_stream_ends(
    api: ApiHarness, fake_gemini: FakeGemini
) -> None:
    fake_gemini.pause_stream = asyncio.Event()
    key = await api.register()
    url = api.client.make_url(URL)
    async with api.client.session.post(url, json=BODY, headers={"x-goog-api-key": key}) as sent:
        first = await sent.content.readany()  # the upstream is paused after its first event
        assert b'"text": "Hello"' in first
        fake_gemini.pause_stream.set()
        rest = await sent.read()
    assert first + rest == bytes(fake_gemini.streamed)


async def test_only_the_clients_key_is_taken_out_of_the_query(
    api: ApiHarness, fake_gemini: FakeGemini
) -> None:
    key = await api.register()
    response = await api.client.post(f"{URL}&key={key}", json=BODY)
    await response.read()
    [received] = fake_gemini.requests
    assert received.query == {"alt": "sse"}
    assert key not in str(received)


async def test_a_stream_without_alt_sse_is_400_and_never_forwarded(
    api: ApiHarness, fake_gemini: FakeGemini
) -> None:
    key = await api.register()
    response = await api.client.post(
        URL.removesuffix("?alt=sse"), json=BODY, headers={"x-goog-api-key": key}
    )
    assert response.status == 400
    assert (await response.json())["error"]["param"] == "alt"
    assert fake_gemini.requests == []


async def test_a_stream_refused_upstream_is_an_ordinary_error_and_free(
    api: ApiHarness, fake_gemini: FakeGemini
) -> None:
    fake_gemini.fail_status = 500
    key = await api.register()
    response = await api.client.post(URL, json=BODY, headers={"x-goog-api-key": key})
    assert response.status == 502
    error = (await response.json())["error"]
    assert (error["type"], error["status"]) == ("upstream_error", "UNAVAILABLE")
    assert await account_state(api) == (CREDIT, 0, 0)


async def test_a_stream_cut_mid_way_is_billed_for_what_was_produced(
    api: ApiHarness, fake_gemini: FakeGemini
) -> None:
    fake_gemini.cut_stream_after = 2
    key = await api.register(credit=CREDIT)
    response = await api.client.post(URL, json=BODY, headers={"x-goog-api-key": key})
    *relayed, last = events(await response.text())
    assert [e["candidates"][0]["content"]["parts"][0]["text"] for e in relayed] == [
        "Hello",
        " from",
    ]
    assert (last["error"]["code"], last["error"]["status"]) == (502, "UNAVAILABLE")
    # Google's running usage gave the prompt; the output is counted from what was relayed.
    produced = output_tokens("Hello", " from")
    [call] = await calls(api)
    assert (call["status"], call["input_units"], call["output_units"]) == (
        502,
        fake_gemini.prompt_tokens,
        produced,
    )
    assert call["cost"] == MODEL.cost_of(TokenUsage(fake_gemini.prompt_tokens, produced))
    assert await account_state(api) == (CREDIT - call["cost"], 0, 0)


async def test_a_stream_cut_without_any_usage_is_billed_from_the_estimate(
    api: ApiHarness, fake_gemini: FakeGemini
) -> None:
    fake_gemini.cut_stream_after, fake_gemini.omit_usage = 2, True
    key = await api.register(credit=CREDIT)
    response = await api.client.post(URL, json=BODY, headers={"x-goog-api-key": key})
    await response.read()
    [call] = await calls(api)
    expected = (gemini_prompt_tokens(BODY), output_tokens("Hello", " from"))
    assert (call["input_units"], call["output_units"]) == expected
    assert await account_state(api) == (CREDIT - MODEL.cost_of(TokenUsage(*expected)), 0, 0)


async def test_a_stream_that_ends_without_usage_is_billed_from_its_output(
    api: ApiHarness, fake_gemini: FakeGemini
) -> None:
    fake_gemini.omit_usage = True
    key = await api.register(credit=CREDIT)
    response = await api.client.post(URL, json=BODY, headers={"x-goog-api-key": key})
    await response.read()
    [call] = await calls(api)
    expected = (gemini_prompt_tokens(BODY), output_tokens(fake_gemini.reply))
    assert (call["status"], call["input_units"], call["output_units"]) == (200, *expected)
    assert call["cost"] == MODEL.cost_of(TokenUsage(*expected)) < call["held"]
    assert await account_state(api) == (CREDIT - call["cost"], 0, 0)


async def test_a_stream_cut_before_any_output_is_free(
    api: ApiHarness, fake_gemini: FakeGemini
) -> None:
    fake_gemini.cut_stream_after = 0
    key = await api.register(credit=CREDIT)
    response = await api.client.post(URL, json=BODY, headers={"x-goog-api-key": key})
    [only] = events(await response.text())
    assert only["error"]["code"] == 502
    [call] = await calls(api)
    assert (call["status"], call["cost"]) == (502, 0)
    assert await account_state(api) == (CREDIT, 0, 0)


@pytest.mark.parametrize("upstream_read_timeout", [0.2])
async def test_a_stream_that_stalls_ends_with_504_and_pays_for_its_output(
    api: ApiHarness, fake_gemini: FakeGemini
) -> None:
    fake_gemini.pause_stream = asyncio.Event()  # never set: the provider goes quiet
    key = await api.register(credit=CREDIT)
    try:
        response = await api.client.post(URL, json=BODY, headers={"x-goog-api-key": key})
        first, last = events(await response.text())
    finally:
        fake_gemini.pause_stream.set()
    assert first["candidates"][0]["content"]["parts"][0]["text"] == "Hello"
    assert (last["error"]["code"], last["error"]["status"]) == (504, "DEADLINE_EXCEEDED")
    [call] = await calls(api)
    assert (call["status"], call["output_units"]) == (504, output_tokens("Hello"))
    assert await account_state(api) == (CREDIT - call["cost"], 0, 0)


async def test_a_client_leaving_mid_stream_pays_the_usage_that_follows(
    api: ApiHarness, fake_gemini: FakeGemini
) -> None:
    fake_gemini.pause_stream = asyncio.Event()
    key = await api.register(credit=CREDIT)
    url = api.client.make_url(URL)
    async with api.client.session.post(url, json=BODY, headers={"x-goog-api-key": key}) as sent:
        assert b'"text": "Hello"' in await sent.content.readany()
        sent.close()  # the client goes away with the stream half done
    fake_gemini.pause_stream.set()
    call = await the_call(api)  # the gateway read on to Google's final usage
    usage = (fake_gemini.prompt_tokens, fake_gemini.candidates_tokens)
    assert (call["status"], call["input_units"], call["output_units"]) == (499, *usage)
    assert call["cost"] == MODEL.cost_of(TokenUsage(*usage))
    assert await account_state(api) == (CREDIT - call["cost"], 0, 0)
