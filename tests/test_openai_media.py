"""Pure rules of the embeddings and audio routes: holds, prices, checks, lengths."""

from __future__ import annotations

import pytest

from providers.catalog import load_catalog
from providers.openai_media import (
    FormPart,
    MediaRequestError,
    billed_seconds,
    embedding_token_bound,
    held_seconds,
    reported_seconds,
    split_transcription_form,
    transcription_parts,
)

CATALOG = load_catalog()


@pytest.mark.parametrize(
    ("value", "bound"),
    [("héllo", 6), (["ab", "cde"], 5), ([1, 2, 3], 3), ([[1, 2], [3]], 3), (None, 0)],
)
def test_the_embedding_hold_bounds_tokens_by_bytes_or_ids(value: object, bound: int) -> None:
    assert embedding_token_bound(value) == bound


@pytest.mark.parametrize(
    ("answer", "seconds"),
    [
        ({"text": "hi", "duration": 12.5}, 12.5),
        ({"text": "hi", "usage": {"type": "duration", "seconds": 7}}, 7.0),
        ({"text": "hi", "usage": {"type": "tokens", "input_tokens": 70}}, None),
        (None, None),
    ],
)
def test_the_providers_own_audio_length_is_read_when_stated(
    answer: object, seconds: float | None
) -> None:
    assert reported_seconds(answer) == seconds


def test_the_form_is_split_into_credentials_and_what_is_forwarded() -> None:
    parts = [
        FormPart("username", b"alice"),
        FormPart("file", b"RIFF", "a.wav", "audio/wav"),
        FormPart("key", b"myapi-secret"),
        FormPart("model", b"whisper-1"),
        FormPart("timestamp_granularities[]", b"word"),
        FormPart("timestamp_granularities[]", b"segment"),
    ]
    form = split_transcription_form(parts)
    assert form.credentials == {"username": "alice", "key": "myapi-secret"}
    assert [p.name for p in form.forward] == [
        "file",
        "model",
        "timestamp_granularities[]",
        "timestamp_granularities[]",
    ]
    model = CATALOG.get("gpt-4o-mini-transcribe")
    assert transcription_parts(form, model)[1] == FormPart("model", b"gpt-4o-mini-transcribe")


@pytest.mark.parametrize(
    ("parts", "param"),
    [
        ([FormPart("model", b"whisper-1")], "file"),
        ([FormPart("file", b"RIFF", "a.wav")], "model"),
        ([FormPart("file", b"x", "a.wav"), FormPart("file", b"y", "b.wav")], "file"),
        ([FormPart("file", b"x", "a.wav"), FormPart("model", b"\xff")], "model"),
    ],
)
def test_a_form_without_one_file_and_a_model_is_refused(parts: list[FormPart], param: str) -> None:
    with pytest.raises(MediaRequestError) as raised:
        split_transcription_form(parts)
    assert raised.value.param == param


def test_a_transcription_holds_its_measured_length_in_whole_seconds() -> None:
    assert (held_seconds(10.0), held_seconds(10.001), held_seconds(0.2)) == (10, 11, 1)


@pytest.mark.parametrize(
    ("measured", "reported", "billed"),
    [
        (9.5, None, 9.5),  # text, srt, vtt: no figure from the provider
        (9.5, 9.2, 9.5),  # the measured length is the floor
        (9.5, 10.0, 10.0),  # the provider's whole-second figure is within the hold
        (9.5, 20.0, 10.0),  # never beyond the hold
    ],
)
def test_the_bill_is_the_longer_figure_within_the_hold(
    measured: float, reported: float | None, billed: float
) -> None:
    assert billed_seconds(measured, reported) == billed
