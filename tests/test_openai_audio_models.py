"""The openai SDK's other audio model names: gpt-transcribe is billed per minute at the list
price genai-prices gives per hour of audio; a name genai-prices cannot price is listed
unavailable with the reason and refused with 503, nothing held."""

from __future__ import annotations

import aiohttp
import pytest

from providers.catalog import load_catalog
from tests.conftest import ApiHarness
from tests.ledger import account_state, calls
from tests.media_files import wav_bytes
from tests.source_prices import source_audio_units

CATALOG = load_catalog()
GPT_TRANSCRIBE = CATALOG.get("gpt-transcribe")


def upload(model: str, seconds: float, **fields: str) -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field("model", model)
    for name, value in fields.items():
        form.add_field(name, value)
    form.add_field("file", wav_bytes(seconds), filename="note.wav", content_type="audio/wav")
    return form


async def transcribe(api: ApiHarness, form: aiohttp.FormData) -> aiohttp.ClientResponse:
    key = await api.register()
    return await api.client.post(
        "/v1/audio/transcriptions", data=form, headers={"Authorization": f"Bearer {key}"}
    )


def test_gpt_transcribe_takes_its_per_minute_price_from_the_list_price_per_hour() -> None:
    assert GPT_TRANSCRIBE.prices() == {"per_minute": "0.0045"}  # 0.27 USD an hour
    assert GPT_TRANSCRIBE.price_source().startswith("genai-prices")


@pytest.mark.parametrize("seconds", [3.0, 61.5, 600.0])
def test_gpt_transcribe_costs_what_genai_prices_charges_for_the_audio(seconds: float) -> None:
    cost = GPT_TRANSCRIBE.audio_cost(seconds)
    assert cost == source_audio_units(GPT_TRANSCRIBE, seconds)


async def test_a_gpt_transcribe_call_is_billed_for_the_measured_audio(api: ApiHarness) -> None:
    response = await transcribe(api, upload("gpt-transcribe", 6))
    assert (await response.json())["text"] == api.upstream.media.transcript
    cost = source_audio_units(GPT_TRANSCRIBE, 6.0)
    assert response.headers["X-Myapi-Cost-Units"] == str(cost) == "450"
    assert api.upstream.requests[0].body["model"] == "gpt-transcribe"
    [call] = await calls(api)
    assert (call["input_units"], call["cost"], call["held"]) == (6000, cost, cost)


async def test_a_longer_length_the_provider_states_is_billed_up_to_the_hold(
    api: ApiHarness,
) -> None:
    api.upstream.media.reported_seconds = 5.8
    form = upload("gpt-transcribe", 5.5, response_format="verbose_json")
    response = await transcribe(api, form)
    assert response.status == 200
    [call] = await calls(api)
    assert call["cost"] == source_audio_units(GPT_TRANSCRIBE, 5.8) < call["held"]


async def test_an_unpriced_snapshot_is_refused_with_nothing_held(api: ApiHarness) -> None:
    response = await transcribe(api, upload("gpt-4o-mini-transcribe-2025-12-15", 3))
    assert response.status == 503
    error = (await response.json())["error"]
    assert error["code"] == "model_unpriced"
    assert "its alias gpt-4o-mini-transcribe is priced" in error["message"]
    assert api.upstream.requests == []
    assert await calls(api) == []
    assert await account_state(api) == (10**6, 0, 0)
