"""`/v1/audio/transcriptions` and `/translations`: multipart uploads over the real app."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from pytest_aiohttp import AiohttpClient

from api.app import create_api_app
from tests.conftest import OPERATOR_KEY, ApiHarness
from tests.ledger import account_state, calls
from tests.media_files import wav_bytes


async def reserved(api: ApiHarness) -> int:
    return (await account_state(api))[1]


def upload(audio: bytes, **fields: str | list[str]) -> aiohttp.FormData:
    form = aiohttp.FormData()
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            form.add_field(name, item)
    form.add_field("file", audio, filename="speech.wav", content_type="audio/wav")
    return form


async def test_the_upload_is_forwarded_without_credentials(api: ApiHarness) -> None:
    key = await api.register()
    audio = wav_bytes(10)
    form = upload(
        audio,
        username="alice",
        key=key,
        model="gpt-4o-mini-transcribe",
        language="en",
        **{"timestamp_granularities[]": ["word", "segment"]},
    )
    response = await api.client.post("/v1/audio/transcriptions", data=form)
    assert response.status == 200
    [received] = api.upstream.requests
    assert received.path == "/v1/audio/transcriptions"
    assert received.body == {
        "model": "gpt-4o-mini-transcribe",
        "language": "en",
        "timestamp_granularities[]": ["word", "segment"],
        "file": {"filename": "speech.wav", "content_type": "audio/wav", "data": audio},
    }
    assert received.headers["Authorization"] == f"Bearer {OPERATOR_KEY}"
    assert key not in str(received.headers)


async def test_a_transcription_is_billed_from_the_files_own_length(api: ApiHarness) -> None:
    key = await api.register()
    form = upload(wav_bytes(10), model="whisper-1")
    response = await api.client.post(
        "/v1/audio/transcriptions", data=form, headers={"Authorization": f"Bearer {key}"}
    )
    assert await response.json() == {"text": api.upstream.media.transcript}
    # whisper-1: 0.006 USD a minute = 100 units a second
    assert response.headers["X-Myapi-Cost-Units"] == "1000"
    assert await api.balance() == 10**6 - 1000
    assert await calls(api) == [
        {
            "endpoint": "/v1/audio/transcriptions",
            "provider": "openai",
            "model": "whisper-1",
            "status": 200,
            "input_units": 10_000,
            "output_units": 0,
            "cost": 1000,
            "held": 1000,
        }
    ]


async def test_a_text_answer_passes_on_as_text(api: ApiHarness) -> None:
    key = await api.register()
    form = upload(wav_bytes(3), model="whisper-1", response_format="text", key=key)
    response = await api.client.post("/openai/v1/audio/translations", data=form)
    assert response.headers["Content-Type"].startswith("text/plain")
    assert await response.text() == api.upstream.media.transcript
    assert api.upstream.requests[0].path == "/v1/audio/translations"
    assert await api.balance() == 10**6 - 300


async def test_an_upload_larger_than_the_json_limit_is_accepted(api: ApiHarness) -> None:
    key = await api.register()
    form = upload(wav_bytes(100), model="whisper-1", key=key)  # 100 KB; JSON limit 64 KB
    response = await api.client.post("/v1/audio/transcriptions", data=form)
    assert response.status == 200
    assert await api.balance() == 10**6 - 10_000


def raw_upload(audio: bytes, **fields: str) -> tuple[bytes, dict[str, str]]:
    """A multipart body written out by hand, to send with or without a Content-Length."""
    boundary = "myapi-test-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    file_head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        'filename="speech.wav"\r\nContent-Type: audio/wav\r\n\r\n'
    )
    body = (
        "".join(parts).encode() + file_head.encode() + audio + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


async def in_pieces(body: bytes) -> AsyncIterator[bytes]:
    """A body sent chunked: the server learns its size only by reading it."""
    for start in range(0, len(body), 1024):
        yield body[start : start + 1024]


@pytest.mark.parametrize("chunked", [False, True])
async def test_an_upload_over_the_audio_limit_is_413_and_costs_nothing(
    api: ApiHarness, aiohttp_client: AiohttpClient, chunked: bool
) -> None:
    app = create_api_app(api.context, max_body_bytes=64 * 1024, max_audio_bytes=8 * 1024)
    client = await aiohttp_client(app)
    key = await api.register()
    body, headers = raw_upload(wav_bytes(10), model="whisper-1", key=key)  # 10 KB
    data: bytes | AsyncIterator[bytes] = in_pieces(body) if chunked else body
    response = await client.post("/v1/audio/transcriptions", data=data, headers=headers)
    error = (await response.json())["error"]
    assert (response.status, error["code"]) == (413, "request_too_large")
    assert api.upstream.requests == []
    assert await api.balance() == 10**6


async def test_the_same_upload_within_the_limit_passes(
    api: ApiHarness, aiohttp_client: AiohttpClient
) -> None:
    app = create_api_app(api.context, max_body_bytes=64 * 1024, max_audio_bytes=16 * 1024)
    client = await aiohttp_client(app)
    key = await api.register()
    body, headers = raw_upload(wav_bytes(10), model="whisper-1", key=key)
    response = await client.post("/v1/audio/transcriptions", data=in_pieces(body), headers=headers)
    assert response.status == 200
    assert await api.balance() == 10**6 - 1000


@pytest.mark.parametrize(
    ("audio", "fields", "param"),
    [
        (b"this is no audio file" * 20, {"model": "whisper-1"}, "file"),
        (wav_bytes(1), {}, "model"),
        (wav_bytes(1), {"model": "tts-1"}, "model"),
    ],
)
async def test_a_bad_upload_is_400_and_nothing_is_written(
    api: ApiHarness, audio: bytes, fields: dict[str, str], param: str
) -> None:
    key = await api.register()
    form = upload(audio, key=key, **fields)
    response = await api.client.post("/v1/audio/transcriptions", data=form)
    assert (response.status, (await response.json())["error"]["param"]) == (400, param)
    assert api.upstream.requests == []
    assert await calls(api) == []


async def test_a_json_body_is_400_saying_to_send_a_form(api: ApiHarness) -> None:
    key = await api.register()
    response = await api.client.post(
        "/v1/audio/transcriptions", json={"model": "whisper-1", "key": key}
    )
    assert response.status == 400
    assert "multipart/form-data" in (await response.json())["error"]["message"]


async def test_an_upload_without_a_key_is_401(api: ApiHarness) -> None:
    await api.register()
    form = upload(wav_bytes(1), model="whisper-1", username="alice")
    response = await api.client.post("/v1/audio/transcriptions", data=form)
    assert response.status == 401
    assert api.upstream.requests == []


async def test_a_wrong_form_key_is_a_strike(api: ApiHarness) -> None:
    await api.register()
    form = upload(wav_bytes(1), model="whisper-1", username="alice", key="myapi-wrong")
    response = await api.client.post("/v1/audio/transcriptions", data=form)
    assert response.status == 401
    account = await api.storage.accounts.by_username("alice")
    assert account is not None
    assert account.strikes == 1


@pytest.mark.parametrize(("upstream_status", "client_status"), [(400, 400), (500, 502)])
async def test_a_failed_transcription_costs_nothing_and_leaves_no_hold(
    api: ApiHarness, upstream_status: int, client_status: int
) -> None:
    api.upstream.fail_status = upstream_status
    key = await api.register()
    form = upload(wav_bytes(10), model="whisper-1", key=key)
    response = await api.client.post("/v1/audio/transcriptions", data=form)
    assert response.status == client_status
    assert (await api.balance(), await reserved(api)) == (10**6, 0)
    assert [(c["status"], c["cost"], c["held"]) for c in await calls(api)] == [
        (client_status, 0, 1000)
    ]


async def test_a_form_of_too_many_parts_is_400(api: ApiHarness) -> None:
    key = await api.register()
    fields = {f"field{i}": "x" for i in range(70)}
    form = upload(wav_bytes(1), model="whisper-1", key=key, **fields)
    response = await api.client.post("/v1/audio/transcriptions", data=form)
    assert response.status == 400
    assert "more than 64 parts" in (await response.json())["error"]["message"]
    assert api.upstream.requests == []
