"""Failover on streams and on every provider client, not only chat (README, "Provider keys,
failover and fallbacks"): a stream fails over before its first byte and never after it,
and embeddings, Anthropic's native route and uploads go through the same layer.
"""

from __future__ import annotations

import pytest

from tests.conftest import ApiHarness
from tests.fakes.anthropic import FakeAnthropic
from tests.fakes.key_faults import KeyFault
from tests.key_failover_setup import (  # the fixtures, imported to be used by name
    COST,
    STREAM,
    alice,
    key_count,  # noqa: F401
    key_options,  # noqa: F401
    post,
    provider_configs,  # noqa: F401
)
from tests.keyed import KEY_A, KEY_B, KEY_C, one_call_billed
from tests.test_openai_audio_tokens import upload

pytestmark = pytest.mark.fake_providers("anthropic")


# --- streams -----------------------------------------------------------------------------


async def test_a_stream_fails_over_before_its_first_byte(api: ApiHarness) -> None:
    api.upstream.keys.faults[KEY_A] = KeyFault(429)
    key = await alice(api)
    response = await post(api, key, STREAM)
    text = await response.text()
    assert response.status == 200
    assert text.count('"content"') == len(api.upstream.reply.split(" "))
    assert text.endswith("data: [DONE]\n\n")
    assert api.upstream.keys.attempts == [KEY_A, KEY_B]
    await api.settled_calls()
    call = await one_call_billed(api)
    assert (call["status"], call["cost"]) == (200, COST)


async def test_a_stream_is_never_retried_after_its_first_byte(api: ApiHarness) -> None:
    api.upstream.cut_stream_after = 1  # the provider dies after one event
    key = await alice(api)
    response = await post(api, key, STREAM)
    text = await response.text()
    assert text.count('"content"') == 1
    assert '"upstream_error"' in text
    assert api.upstream.keys.attempts == [KEY_A]
    [call] = await api.settled_calls()
    assert call["status"] == 502
    assert await api.balance() == 10**6 - call["cost"]


# --- the same layer for every provider client --------------------------------------------


async def test_embeddings_fail_over_like_chat(api: ApiHarness) -> None:
    api.upstream.keys.faults[KEY_A] = KeyFault(401)
    key = await alice(api)
    body = {"model": "text-embedding-3-small", "input": "hello", "key": key}
    response = await api.client.post("/v1/embeddings", json=body)
    assert response.status == 200
    assert api.upstream.keys.attempts == [KEY_A, KEY_B]


async def test_anthropics_native_route_fails_over_like_chat(
    api: ApiHarness, fake_anthropic: FakeAnthropic
) -> None:
    fake_anthropic.api_key = None  # the fake takes any key but those refused below
    fake_anthropic.keys.faults[KEY_A] = KeyFault(403, {"type": "permission_error"})
    key = await alice(api)
    body = {
        "model": "claude-3-5-haiku-latest",
        "max_tokens": 16,
        "messages": [{"role": "user", "content": "hi"}],
    }
    response = await api.client.post(
        "/anthropic/v1/messages", json=body, headers={"x-api-key": key}
    )
    assert response.status == 200
    assert fake_anthropic.keys.attempts == [KEY_A, KEY_B]
    assert response.headers["X-Myapi-Model"] == "claude-3-5-haiku-latest"
    await one_call_billed(api)


@pytest.mark.parametrize("key_count", [3])
async def test_a_transcription_upload_is_sent_whole_again_to_the_next_key(
    api: ApiHarness,
) -> None:
    api.upstream.keys.faults[KEY_A] = KeyFault(429)
    api.upstream.keys.faults[KEY_B] = KeyFault(403)
    key = await alice(api)
    response = await api.client.post(
        "/v1/audio/transcriptions",
        data=upload(model="gpt-4o-transcribe"),
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status == 200
    assert api.upstream.keys.attempts == [KEY_A, KEY_B, KEY_C]
    [received] = api.upstream.requests
    assert received.body["file"]["data"][:4] == b"RIFF"
