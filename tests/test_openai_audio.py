"""`POST /v1/audio/speech` over the real app: priced per character, audio relayed as it comes."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from storage.models import CallRecord, Settlement
from tests.conftest import OPERATOR_KEY, ApiHarness
from tests.ledger import account_state, calls

SPEECH: dict[str, Any] = {
    "model": "tts-1",
    "input": "Hello there",
    "voice": "alloy",
    "response_format": "wav",
}
# tts-1: 15.00 USD per 1M characters = 15 units a character
SPEECH_COST = 15 * len(SPEECH["input"])


async def reserved(api: ApiHarness) -> int:
    return (await account_state(api))[1]


async def test_speech_relays_the_providers_audio_and_type(api: ApiHarness) -> None:
    key = await api.register()
    response = await api.client.post("/v1/audio/speech", json={**SPEECH, "key": key})
    assert response.status == 200
    assert response.headers["Content-Type"] == "audio/wav"
    assert response.headers["X-Myapi-Held-Units"] == str(SPEECH_COST)
    assert await response.read() == api.upstream.media.audio
    [received] = api.upstream.requests
    assert (received.path, received.body) == ("/v1/audio/speech", SPEECH)
    assert received.headers["Authorization"] == f"Bearer {OPERATOR_KEY}"


async def test_speech_is_billed_per_input_character(api: ApiHarness) -> None:
    key = await api.register()
    body = {**SPEECH, "model": "tts-1-hd", "username": "alice", "key": key}
    response = await api.client.post("/openai/v1/audio/speech", json=body)
    await response.read()
    # tts-1-hd: 30 units a character
    assert await api.balance() == 10**6 - 30 * len(SPEECH["input"])
    [call] = await calls(api)
    assert call == {
        "endpoint": "/openai/v1/audio/speech",
        "provider": "openai",
        "model": "tts-1-hd",
        "status": 200,
        "input_units": len(SPEECH["input"]),
        "output_units": 0,
        "cost": 30 * len(SPEECH["input"]),
        "held": 30 * len(SPEECH["input"]),
    }


@pytest.mark.parametrize(
    ("change", "param"),
    [
        ({"input": "x" * 4097}, "input"),
        ({"input": ""}, "input"),
        ({"response_format": "ogg"}, "response_format"),
        ({"model": "whisper-1"}, "model"),
    ],
)
async def test_bad_speech_requests_are_400_and_cost_nothing(
    api: ApiHarness, change: dict[str, Any], param: str
) -> None:
    key = await api.register()
    response = await api.client.post("/v1/audio/speech", json={**SPEECH, **change, "key": key})
    assert (response.status, (await response.json())["error"]["param"]) == (400, param)
    assert api.upstream.requests == []
    assert await calls(api) == []


@pytest.mark.parametrize(("upstream_status", "client_status"), [(400, 400), (500, 502)])
async def test_a_failed_speech_call_costs_nothing_and_leaves_no_hold(
    api: ApiHarness, upstream_status: int, client_status: int
) -> None:
    api.upstream.fail_status = upstream_status
    key = await api.register()
    response = await api.client.post("/v1/audio/speech", json={**SPEECH, "key": key})
    assert response.status == client_status
    assert (await api.balance(), await reserved(api)) == (10**6, 0)


async def test_audio_the_provider_breaks_off_costs_nothing_and_arrives_broken(
    api: ApiHarness,
) -> None:
    api.upstream.media.cut_audio_after = 2
    key = await api.register()
    response = await api.client.post("/v1/audio/speech", json={**SPEECH, "key": key})
    assert response.status == 200
    with pytest.raises(aiohttp.ClientPayloadError):
        await response.read()
    assert (await api.balance(), await reserved(api)) == (10**6, 0)
    assert [(c["status"], c["cost"]) for c in await calls(api)] == [(502, 0)]


async def test_a_client_that_leaves_mid_audio_is_still_charged(
    api: ApiHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    finished = asyncio.Event()
    finish_call = api.storage.accounts.finish_call

    async def finish_and_tell(record: CallRecord) -> Settlement:
        settlement = await finish_call(record)
        finished.set()
        return settlement

    monkeypatch.setattr(api.storage.accounts, "finish_call", finish_and_tell)
    api.upstream.media.pause_audio = asyncio.Event()
    key = await api.register()
    response = await api.client.post("/v1/audio/speech", json={**SPEECH, "key": key})
    assert await response.content.readany()
    response.close()
    api.upstream.media.pause_audio.set()
    await finished.wait()
    assert (await api.balance(), await reserved(api)) == (10**6 - SPEECH_COST, 0)
    [call] = await calls(api)
    assert (call["input_units"], call["cost"]) == (len(SPEECH["input"]), SPEECH_COST)
