"""The pure rules of token-billed transcription: prices, the hold's bound, the usage read."""

from __future__ import annotations

import json

import pytest

from providers.catalog import ModelKind, load_catalog, parse_catalog
from providers.list_prices import SOURCE
from providers.openai_media import FormPart, split_transcription_form
from providers.transcription_tokens import (
    AUDIO_TOKENS_PER_SECOND,
    held_tokens,
    is_token_billed,
    plan_tokens,
    streamed_usage,
    usage_of,
)
from providers.usage import TokenUsage
from tests.source_prices import source_units

CATALOG = load_catalog()
TOKEN_MODELS = ["gpt-4o-transcribe", "gpt-4o-mini-transcribe", "gpt-4o-transcribe-diarize"]
#: OpenAI's published estimate: 1000 audio tokens a minute for both models.
PUBLISHED_AUDIO_TOKENS_PER_MINUTE = 1000


@pytest.mark.parametrize("name", TOKEN_MODELS)
def test_token_transcription_models_take_genai_prices_list_prices(name: str) -> None:
    model = CATALOG.get(name)
    assert is_token_billed(model)
    assert model.price_source() == SOURCE
    assert set(model.prices()) == {
        "input_per_1m_tokens",
        "output_per_1m_tokens",
        "input_audio_per_1m_tokens",
    }
    usage = TokenUsage(input_tokens=1200, output_tokens=300, input_audio_tokens=1000)
    assert model.cost_of(usage) == source_units(model, usage)


def test_whisper_stays_per_minute() -> None:
    whisper = CATALOG.get("whisper-1")
    assert not is_token_billed(whisper)
    assert whisper.prices() == {"per_minute": "0.006"}


def test_a_transcription_model_neither_source_prices_is_unpriced() -> None:
    catalog = parse_catalog(
        '[models.mine]\nprovider = "openai"\nkind = "transcription"\nupstream = "nobody-knows"\n'
    )
    model = catalog.get("mine")
    assert model.kind is ModelKind.TRANSCRIPTION
    assert "no price" in model.unpriced


@pytest.mark.parametrize("name", TOKEN_MODELS)
@pytest.mark.parametrize("seconds", [1, 2, 7, 30, 61, 600, 1500])
def test_the_hold_covers_twice_the_published_rate_of_audio_and_a_fast_transcript(
    name: str, seconds: int
) -> None:
    model = CATALOG.get(name)
    audio = -(-2 * PUBLISHED_AUDIO_TOKENS_PER_MINUTE * seconds // 60)
    prompt = 20
    usage = TokenUsage(audio + prompt, 20 * seconds, input_audio_tokens=audio)
    assert model.cost_of(usage) <= model.cost(*held_tokens(seconds, prompt))


def test_the_audio_bound_is_at_least_twice_the_published_rate() -> None:
    assert AUDIO_TOKENS_PER_SECOND * 60 >= 2 * PUBLISHED_AUDIO_TOKENS_PER_MINUTE


def form(*fields: tuple[str, str]) -> list[FormPart]:
    parts = [FormPart(name, value.encode()) for name, value in fields]
    return [*parts, FormPart("file", b"RIFF", filename="a.wav")]


def test_text_is_asked_as_json_and_other_fields_pass_unchanged() -> None:
    parts = form(("model", "gpt-4o-transcribe"), ("response_format", "text"), ("language", "en"))
    plan = plan_tokens(split_transcription_form(parts), CATALOG.get("gpt-4o-transcribe"), 3)
    assert plan.answer_text
    sent = {part.name: part.value for part in plan.parts}
    assert sent == {
        "model": b"gpt-4o-transcribe",
        "response_format": b"json",
        "language": b"en",
        "file": b"RIFF",
    }


def test_a_streamed_text_request_is_not_rewritten() -> None:
    parts = form(("model", "gpt-4o-transcribe"), ("response_format", "text"), ("stream", "true"))
    plan = plan_tokens(split_transcription_form(parts), CATALOG.get("gpt-4o-transcribe"), 3)
    assert not plan.answer_text
    assert FormPart("response_format", b"text") in plan.parts


def test_the_prompt_raises_the_hold_by_its_bytes() -> None:
    model = CATALOG.get("gpt-4o-transcribe")
    bare = plan_tokens(split_transcription_form(form(("model", "gpt-4o-transcribe"))), model, 3)
    prompted = plan_tokens(
        split_transcription_form(form(("model", "gpt-4o-transcribe"), ("prompt", "é" * 50))),
        model,
        3,
    )
    assert prompted.hold == model.cost(*held_tokens(3, 100)) > bare.hold


def test_a_token_usage_is_read_with_audio_as_part_of_input() -> None:
    usage = {
        "type": "tokens",
        "input_tokens": 14,
        "input_token_details": {"text_tokens": 4, "audio_tokens": 10},
        "output_tokens": 45,
        "total_tokens": 59,
    }
    assert usage_of(usage) == TokenUsage(14, 45, input_audio_tokens=10)


def test_audio_tokens_above_the_input_total_are_cut_to_it() -> None:
    usage = {"type": "tokens", "input_tokens": 5, "input_token_details": {"audio_tokens": 9}}
    assert usage_of(usage) == TokenUsage(5, 0, input_audio_tokens=5)


def test_a_duration_usage_is_not_a_token_usage() -> None:
    assert usage_of({"type": "duration", "seconds": 3}) is None


def test_a_streams_usage_is_read_from_its_done_event() -> None:
    done = {
        "type": "transcript.text.done",
        "text": "hi",
        "usage": {"type": "tokens", "input_tokens": 12, "output_tokens": 3},
    }
    delta = {"type": "transcript.text.delta", "delta": "hi"}
    body = f"data: {json.dumps(delta)}\n\ndata: {json.dumps(done)}\n\n".encode()
    assert streamed_usage(body) == TokenUsage(12, 3)
    assert streamed_usage(f"data: {json.dumps(delta)}\n\n".encode()) is None
