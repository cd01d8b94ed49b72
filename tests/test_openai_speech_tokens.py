"""Token-billed speech (gpt-4o-mini-tts) over the real app and the fake.

The charge is genai-prices' own price (`source_units`) of the usage an SSE answer reports,
or of the audio tokens the returned audio's measured length stands for; the hold (the
input's bytes and the model's longest audio) bounds what the service estimates.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from typing import Any

import aiohttp
import pytest

from providers.catalog import load_catalog
from providers.speech_tokens import SpeechListener, audio_tokens, plan_speech
from providers.usage import TokenUsage
from storage.models import CallRecord, Settlement
from tests.conftest import ApiHarness
from tests.ledger import account_state, calls, the_call
from tests.media_files import wav_bytes
from tests.source_prices import source_units

CATALOG = load_catalog()
TTS = CATALOG.get("gpt-4o-mini-tts")
SPEECH: dict[str, Any] = {"model": "gpt-4o-mini-tts", "input": "Hello there", "voice": "coral"}
INPUT_BYTES = len(SPEECH["input"])
HOLD = TTS.cost(INPUT_BYTES, TTS.max_output_tokens)


def measured(seconds: float, input_tokens: int = INPUT_BYTES) -> int:
    """The charge of an answer measured at `seconds`, at genai-prices' prices."""
    tokens = audio_tokens(seconds)
    return source_units(TTS, TokenUsage(input_tokens, tokens, output_audio_tokens=tokens))


async def speak(api: ApiHarness, body: dict[str, Any]) -> aiohttp.ClientResponse:
    key = await api.register()
    return await api.client.post(
        "/v1/audio/speech", json=body, headers={"Authorization": f"Bearer {key}"}
    )


def test_audio_tokens_follow_openais_published_rate() -> None:
    """0.015 USD a minute at 12.00 per 1M audio tokens: 1,250 a minute."""
    assert (audio_tokens(60), audio_tokens(3), audio_tokens(0.001)) == (1250, 63, 1)


def test_an_sse_answer_is_read_across_any_chunk_boundaries() -> None:
    audio = wav_bytes(1, rate=24_000)
    events = [
        {"type": "speech.audio.delta", "audio": base64.b64encode(audio[:500]).decode()},
        {"type": "speech.audio.delta", "audio": base64.b64encode(audio[500:]).decode()},
        {"type": "speech.audio.done", "usage": {"input_tokens": 3, "output_tokens": 21}},
    ]
    answer = b"".join(f"data: {json.dumps(event)}\n\n".encode() for event in events)
    listener = SpeechListener(plan_speech({**SPEECH, "stream_format": "sse"}, TTS))
    passed = b"".join(listener.feed(answer[i : i + 7]) for i in range(0, len(answer), 7))
    listener.finish()
    assert passed == answer
    assert listener.reported() == TokenUsage(3, 21, output_audio_tokens=21)
    assert listener.seconds() == 1.0


def test_each_usage_category_costs_what_genai_prices_charges() -> None:
    usage = TokenUsage(2_000, 16_384, output_audio_tokens=16_384)
    assert TTS.cost_of(usage) == source_units(TTS, usage) == 1_200 + 196_608


async def test_an_audio_answer_is_billed_from_its_measured_length(api: ApiHarness) -> None:
    api.upstream.media.audio = wav_bytes(3, rate=24_000)
    response = await speak(api, {**SPEECH, "response_format": "wav"})
    assert await response.read() == api.upstream.media.audio
    assert response.headers["X-Myapi-Held-Units"] == str(HOLD)
    assert api.upstream.requests[0].body == {**SPEECH, "response_format": "wav"}
    [call] = await api.settled_calls()
    assert (call["input_units"], call["output_units"]) == (INPUT_BYTES, 63)
    assert call["cost"] == measured(3) < call["held"] == HOLD
    assert await account_state(api) == (10**6 - measured(3), 0, 0)


async def test_a_pcm_answer_is_measured_by_its_bytes(api: ApiHarness) -> None:
    api.upstream.media.audio = bytes(2 * 48_000)  # 2 s of 24 kHz 16-bit mono
    await (await speak(api, {**SPEECH, "response_format": "pcm"})).read()
    [call] = await api.settled_calls()
    assert call["cost"] == measured(2)


async def test_the_instructions_are_held_as_input_too(api: ApiHarness) -> None:
    api.upstream.media.audio = wav_bytes(1, rate=24_000)
    body = {**SPEECH, "instructions": "Speak warmly", "response_format": "wav"}
    await (await speak(api, body)).read()
    [call] = await api.settled_calls()
    assert call["held"] == TTS.cost(INPUT_BYTES + len("Speak warmly"), TTS.max_output_tokens)


async def test_an_sse_answer_is_relayed_and_billed_from_its_usage(api: ApiHarness) -> None:
    api.upstream.media.audio = wav_bytes(2, rate=24_000)
    response = await speak(api, {**SPEECH, "stream_format": "sse"})
    assert response.headers["Content-Type"].startswith("text/event-stream")
    events = [json.loads(line[6:]) for line in (await response.text()).split("\n\n") if line]
    audio = b"".join(base64.b64decode(e["audio"]) for e in events[:-1])
    assert audio == api.upstream.media.audio
    assert events[-1]["usage"] == {"input_tokens": 2, "output_tokens": 300, "total_tokens": 302}
    usage = TokenUsage(2, 300, output_audio_tokens=300)
    [call] = await api.settled_calls()
    assert call["cost"] == source_units(TTS, usage) == 10**6 - await api.balance()
    assert call["output_audio_tokens"] == 300


async def test_an_sse_answer_without_usage_is_billed_from_its_audio(api: ApiHarness) -> None:
    api.upstream.media.audio = wav_bytes(2, rate=24_000)
    api.upstream.media.speech_usage.reported = False
    body = {**SPEECH, "stream_format": "sse", "response_format": "wav"}
    await (await speak(api, body)).read()
    [call] = await api.settled_calls()
    assert call["cost"] == measured(2)


async def test_a_reported_usage_above_the_hold_is_charged_and_logged(
    api: ApiHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    api.upstream.media.speech_usage.output_tokens = 20_000
    await (await speak(api, {**SPEECH, "stream_format": "sse"})).read()
    [call] = await api.settled_calls()
    assert call["cost"] == source_units(TTS, TokenUsage(2, 20_000, output_audio_tokens=20_000))
    assert call["cost"] > call["held"]
    assert "held at" in caplog.text


async def test_audio_that_cannot_be_measured_is_charged_the_hold(
    api: ApiHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)  # the fake's default audio is no readable MP3
    await (await speak(api, SPEECH)).read()
    [call] = await api.settled_calls()
    assert call["cost"] == call["held"] == HOLD
    assert "unreadable audio" in caplog.text


async def test_audio_the_provider_breaks_off_costs_nothing(api: ApiHarness) -> None:
    api.upstream.media.audio = wav_bytes(3, rate=24_000)
    api.upstream.media.cut_audio_after = 1
    response = await speak(api, {**SPEECH, "response_format": "wav"})
    with pytest.raises(aiohttp.ClientPayloadError):
        await response.read()
    assert [(c["status"], c["cost"]) for c in await api.settled_calls()] == [(502, 0)]
    assert await account_state(api) == (10**6, 0, 0)


async def test_a_client_that_leaves_is_billed_the_whole_audio_read_on(
    api: ApiHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    finished = asyncio.Event()
    finish_call = api.storage.accounts.finish_call

    async def finish_and_tell(record: CallRecord) -> Settlement:
        settlement = await finish_call(record)
        finished.set()
        return settlement

    monkeypatch.setattr(api.storage.accounts, "finish_call", finish_and_tell)
    api.upstream.media.audio = wav_bytes(3, rate=24_000)
    api.upstream.media.pause_audio = asyncio.Event()
    response = await speak(api, {**SPEECH, "response_format": "wav"})
    assert await response.content.readany()
    response.close()
    api.upstream.media.pause_audio.set()
    await finished.wait()
    [call] = await calls(api)
    assert (call["status"], call["cost"]) == (499, measured(3))
    assert await account_state(api) == (10**6 - measured(3), 0, 0)


async def test_the_unpriced_snapshot_is_refused_with_nothing_held(api: ApiHarness) -> None:
    response = await speak(api, {**SPEECH, "model": "gpt-4o-mini-tts-2025-12-15"})
    assert response.status == 503
    assert (await response.json())["error"]["code"] == "model_unpriced"
    assert api.upstream.requests == []
    assert await calls(api) == []


async def test_tts_1_asked_for_sse_is_the_providers_400_and_free(api: ApiHarness) -> None:
    response = await speak(api, {**SPEECH, "model": "tts-1", "stream_format": "sse"})
    assert response.status == 400
    assert "stream_format 'sse'" in (await response.json())["error"]["message"]
    assert await account_state(api) == (10**6, 0, 0)


@pytest.mark.parametrize(
    ("change", "param"),
    [({"instructions": 5}, "instructions"), ({"stream_format": "chunks"}, "stream_format")],
)
async def test_bad_speech_options_are_400_and_write_nothing(
    api: ApiHarness, change: dict[str, Any], param: str
) -> None:
    response = await speak(api, {**SPEECH, **change})
    assert (response.status, (await response.json())["error"]["param"]) == (400, param)
    assert await calls(api) == []


async def test_a_client_that_leaves_a_production_server_is_billed_the_whole_audio(
    api: ApiHarness, production_url: str
) -> None:
    """`run_app` does not cancel handlers: the relay's next write notices, then reads on."""
    api.upstream.media.audio = wav_bytes(3, rate=24_000)
    api.upstream.media.pause_audio = asyncio.Event()
    key = await api.register()
    body = {**SPEECH, "response_format": "wav", "key": key}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{production_url}/v1/audio/speech", json=body) as response,
    ):
        assert await response.content.readany()
        response.close()
    api.upstream.media.pause_audio.set()
    call = await the_call(api)
    assert (call["status"], call["cost"]) == (499, measured(3))
    assert await account_state(api) == (10**6 - measured(3), 0, 0)
