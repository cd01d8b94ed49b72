"""Token-billed transcription (gpt-4o-transcribe and its kin) over the real app and the fake.

The charge is genai-prices' own price of the usage the provider reports (`source_units`),
never a per-minute figure; the hold, sized from the measured audio, bounds it.
"""

from __future__ import annotations

import json
import logging

import aiohttp
import pytest

from providers.catalog import load_catalog
from providers.transcription_tokens import held_tokens
from providers.usage import TokenUsage
from tests.conftest import ApiHarness
from tests.ledger import calls
from tests.media_files import wav_bytes
from tests.source_prices import source_units

CATALOG = load_catalog()
TRANSCRIBE = CATALOG.get("gpt-4o-transcribe")
# The fake's default usage: 40 audio tokens, one text token a prompt word, two output
# tokens a transcript word ("Hello from the fake transcriber": 5 words).
USAGE = TokenUsage(input_tokens=40, output_tokens=10, input_audio_tokens=40)


def upload(seconds: float = 3, **fields: str) -> aiohttp.FormData:
    form = aiohttp.FormData()
    for name, value in fields.items():
        form.add_field(name, value)
    form.add_field("file", wav_bytes(seconds), filename="speech.wav", content_type="audio/wav")
    return form


async def post(api: ApiHarness, form: aiohttp.FormData, path: str) -> aiohttp.ClientResponse:
    key = await api.register()
    return await api.client.post(path, data=form, headers={"Authorization": f"Bearer {key}"})


def hold_of(model_name: str, seconds: int, prompt: str = "") -> int:
    return CATALOG.get(model_name).cost(*held_tokens(seconds, len(prompt.encode())))


@pytest.mark.parametrize("model", ["gpt-4o-transcribe", "gpt-4o-mini-transcribe"])
@pytest.mark.parametrize("path", ["/v1/audio/transcriptions", "/openai/v1/audio/translations"])
async def test_a_json_answer_is_billed_exactly_from_its_token_usage(
    api: ApiHarness, model: str, path: str
) -> None:
    response = await post(api, upload(model=model), path)
    assert await response.json() == {
        "text": api.upstream.media.transcript,
        "usage": {
            "type": "tokens",
            "input_tokens": 40,
            "input_token_details": {"text_tokens": 0, "audio_tokens": 40},
            "output_tokens": 10,
            "total_tokens": 50,
        },
    }
    cost = source_units(CATALOG.get(model), USAGE)
    assert response.headers["X-Myapi-Cost-Units"] == str(cost)
    assert await api.balance() == 10**6 - cost
    [call] = await calls(api)
    assert (call["input_units"], call["output_units"], call["cost"]) == (40, 10, cost)
    assert call["held"] == hold_of(model, 3) >= cost


async def test_audio_tokens_are_recorded_as_the_inputs_audio_part(api: ApiHarness) -> None:
    await (await post(api, upload(model="gpt-4o-transcribe"), "/v1/audio/transcriptions")).read()
    row = await api.storage.database.fetch_one("SELECT input_audio_tokens FROM calls")
    assert row is not None
    assert row["input_audio_tokens"] == 40


async def test_prompt_tokens_are_billed_at_the_text_price_and_held_by_their_bytes(
    api: ApiHarness,
) -> None:
    prompt = "Speakers discuss billing and holds"
    form = upload(model="gpt-4o-transcribe", prompt=prompt)
    response = await post(api, form, "/v1/audio/transcriptions")
    assert response.status == 200
    usage = TokenUsage(input_tokens=45, output_tokens=10, input_audio_tokens=40)
    [call] = await calls(api)
    assert call["cost"] == source_units(TRANSCRIBE, usage) < TRANSCRIBE.cost(45, 10)
    assert call["held"] == hold_of("gpt-4o-transcribe", 3, prompt)


async def test_text_asked_is_json_asked_of_the_provider_and_text_answered(
    api: ApiHarness,
) -> None:
    form = upload(model="gpt-4o-mini-transcribe", response_format="text")
    response = await post(api, form, "/v1/audio/transcriptions")
    assert response.headers["Content-Type"].startswith("text/plain")
    assert await response.text() == api.upstream.media.transcript
    [received] = api.upstream.requests
    assert received.body["response_format"] == "json"
    cost = source_units(CATALOG.get("gpt-4o-mini-transcribe"), USAGE)
    assert await api.balance() == 10**6 - cost


async def test_a_stream_is_billed_from_its_done_event(api: ApiHarness) -> None:
    form = upload(model="gpt-4o-transcribe", stream="true")
    response = await post(api, form, "/v1/audio/transcriptions")
    assert response.headers["Content-Type"].startswith("text/event-stream")
    events = [
        json.loads(line.removeprefix("data: "))
        for line in (await response.text()).splitlines()
        if line.startswith("data: ")
    ]
    assert events[-1]["type"] == "transcript.text.done"
    assert await api.balance() == 10**6 - source_units(TRANSCRIBE, USAGE)


async def test_a_usage_above_the_hold_is_charged_as_reported_and_logged(
    api: ApiHarness, caplog: pytest.LogCaptureFixture
) -> None:
    api.upstream.media.transcription_usage.audio_tokens = 100_000
    caplog.set_level(logging.WARNING)
    response = await post(api, upload(model="gpt-4o-transcribe"), "/v1/audio/transcriptions")
    assert response.status == 200
    usage = TokenUsage(input_tokens=100_000, output_tokens=10, input_audio_tokens=100_000)
    [call] = await calls(api)
    assert call["cost"] == source_units(TRANSCRIBE, usage) > call["held"]
    assert "held at" in caplog.text


async def test_an_answer_without_usage_is_charged_the_hold(api: ApiHarness) -> None:
    api.upstream.media.transcription_usage.reported = False
    response = await post(api, upload(model="gpt-4o-transcribe"), "/v1/audio/transcriptions")
    assert response.status == 200
    [call] = await calls(api)
    assert call["cost"] == call["held"] == hold_of("gpt-4o-transcribe", 3)


@pytest.mark.parametrize("response_format", ["srt", "vtt", "verbose_json"])
async def test_a_format_the_model_lacks_is_the_providers_400_and_costs_nothing(
    api: ApiHarness, response_format: str
) -> None:
    form = upload(model="gpt-4o-transcribe", response_format=response_format)
    response = await post(api, form, "/v1/audio/transcriptions")
    assert response.status == 400
    assert f"response_format '{response_format}'" in (await response.json())["error"]["message"]
    assert await api.balance() == 10**6
    [call] = await calls(api)
    assert call["cost"] == 0


async def test_a_longer_audio_holds_more_but_is_billed_its_usage(api: ApiHarness) -> None:
    response = await post(api, upload(60, model="gpt-4o-transcribe"), "/v1/audio/transcriptions")
    assert response.status == 200
    [call] = await calls(api)
    assert call["held"] == hold_of("gpt-4o-transcribe", 60) > hold_of("gpt-4o-transcribe", 3)
    assert call["cost"] == source_units(TRANSCRIBE, USAGE)


async def test_whisper_still_passes_text_on_and_is_billed_per_minute(api: ApiHarness) -> None:
    form = upload(model="whisper-1", response_format="text")
    response = await post(api, form, "/v1/audio/transcriptions")
    assert await response.text() == api.upstream.media.transcript
    assert api.upstream.requests[0].body["response_format"] == "text"
    assert await api.balance() == 10**6 - 300  # 0.006 USD a minute: 100 units a second
