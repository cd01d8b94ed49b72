"""The catalog knows every model the openai SDK names for completions, moderations,
transcription and speech, as its own types list them, each under the kind its route takes.

A name the price source prices is sold; one it cannot price is listed unavailable with the
reason (503 `model_unpriced`). The names are read from the installed SDK, so an upgrade
re-checks the catalog against its new models.
"""

from __future__ import annotations

import typing

import pytest
from openai.types import AudioModel, ModerationModel
from openai.types.audio.speech_model import SpeechModel
from openai.types.completion_create_params import CompletionCreateParamsBase

from providers.catalog import ModelKind, load_catalog
from providers.list_prices import is_free, listed_price, per_audio_hour
from tests.conftest import ApiHarness
from tests.test_catalog_sdk_models import literal_names

CATALOG = load_catalog()
COMPLETION_MODELS = literal_names(typing.get_type_hints(CompletionCreateParamsBase)["model"])
SDK_NAMES = {
    ModelKind.COMPLETION: COMPLETION_MODELS,
    ModelKind.MODERATION: literal_names(ModerationModel),
    ModelKind.TRANSCRIPTION: literal_names(AudioModel),
    ModelKind.SPEECH: literal_names(SpeechModel),
}
NAMED = [(kind, name) for kind, names in SDK_NAMES.items() for name in names]


def priced_by_the_source(kind: ModelKind, name: str) -> bool:
    if kind is ModelKind.MODERATION:
        return is_free("openai", name) is True
    if kind is ModelKind.TRANSCRIPTION and per_audio_hour("openai", name) is not None:
        return True
    return listed_price("openai", name) is not None


def test_the_sdk_names_models_of_each_kind() -> None:
    assert all(len(names) >= 3 for names in SDK_NAMES.values())


@pytest.mark.parametrize(("kind", "name"), NAMED)
def test_every_sdk_model_is_in_the_catalog_under_its_kind(kind: ModelKind, name: str) -> None:
    assert CATALOG.get(name).kind is kind


@pytest.mark.parametrize(("kind", "name"), NAMED)
def test_an_sdk_model_is_sold_exactly_when_a_price_is_known(kind: ModelKind, name: str) -> None:
    """Sold at the list price, or the catalog's own (tts-1, whisper-1); else unpriced."""
    model = CATALOG.get(name)
    own_price = any(price != "0" for price in model.prices().values())
    priced = priced_by_the_source(kind, name) or own_price
    assert (model.unpriced == "") == priced, model.unpriced


async def test_every_sdk_model_is_listed_and_the_unpriced_ones_say_why(api: ApiHarness) -> None:
    response = await api.client.get("/v1/models")
    listed = {model["id"]: model for model in (await response.json())["data"]}
    for _, name in NAMED:
        entry = listed[name]
        assert entry["available"] is not bool(CATALOG.get(name).unpriced), name
        if not entry["available"]:
            assert "has no price" in entry["reason"], name


def test_the_snapshots_the_source_cannot_price_are_the_unpriced_ones() -> None:
    """Today's genai-prices prices every name but two dated snapshots, whose aliases it
    prices: those are listed, unpriced, until their own price is known."""
    unpriced = sorted(name for _, name in NAMED if CATALOG.get(name).unpriced)
    assert unpriced == ["gpt-4o-mini-transcribe-2025-12-15", "gpt-4o-mini-tts-2025-12-15"]
