"""The official `openai` package's embeddings, images and audio calls work unchanged."""

from __future__ import annotations

import base64
import io

import openai
import pytest
from PIL import Image

from providers.catalog import load_catalog
from providers.usage import TokenUsage
from tests.conftest import ApiHarness
from tests.media_files import wav_bytes
from tests.source_prices import source_units


def sdk(api: ApiHarness, key: str) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(api_key=key, base_url=str(api.client.make_url("/v1")), max_retries=0)


async def test_embeddings_through_the_sdk(api: ApiHarness) -> None:
    key = await api.register()
    async with sdk(api, key) as client:
        # the SDK asks for base64 by default and decodes it back to floats
        result = await client.embeddings.create(
            model="text-embedding-3-small", input=["one", "two"]
        )
    assert [item.embedding for item in result.data] == [
        [0.25, -0.5, 0.125, 1.0],
        [0.5, -0.5, 0.125, 1.0],
    ]
    assert result.usage.prompt_tokens == api.upstream.prompt_tokens
    assert api.upstream.requests[0].body["encoding_format"] == "base64"
    assert await api.balance() == 10**6 - 1  # 12 tokens at 0.02 per 1M, rounded up


async def test_image_generation_through_the_sdk(api: ApiHarness) -> None:
    key = await api.register()
    async with sdk(api, key) as client:
        result = await client.images.generate(
            model="dall-e-3", prompt="a lighthouse", size="1024x1792", quality="standard"
        )
    assert result.data is not None
    assert result.data[0].url == "https://images.example/0.png"
    assert await api.balance() == 10**6 - 80_000


async def test_a_base64_image_through_the_sdk_is_the_providers_png(api: ApiHarness) -> None:
    api.upstream.media.image_color = (10, 20, 30)
    key = await api.register()
    async with sdk(api, key) as client:
        result = await client.images.generate(
            model="dall-e-2", prompt="a lighthouse", size="512x512", response_format="b64_json"
        )
    assert result.data is not None
    [image] = result.data
    assert image.b64_json is not None
    png = Image.open(io.BytesIO(base64.b64decode(image.b64_json)))
    assert (png.format, png.size, png.getpixel((511, 511))) == ("PNG", (512, 512), (10, 20, 30))
    assert await api.balance() == 10**6 - 18_000


async def test_a_bad_image_size_is_the_sdks_bad_request_error(api: ApiHarness) -> None:
    key = await api.register()
    async with sdk(api, key) as client:
        with pytest.raises(openai.BadRequestError) as raised:
            await client.images.generate(model="dall-e-3", prompt="x", size="256x256")
    assert raised.value.param == "size"
    assert await api.balance() == 10**6


async def test_speech_through_the_sdk(api: ApiHarness) -> None:
    key = await api.register()
    async with sdk(api, key) as client:
        audio = await client.audio.speech.create(model="tts-1", voice="alloy", input="Hello")
    assert audio.content == api.upstream.media.audio
    assert await api.balance() == 10**6 - 15 * 5


async def test_streamed_speech_through_the_sdk(api: ApiHarness) -> None:
    key = await api.register()
    async with (
        sdk(api, key) as client,
        client.audio.speech.with_streaming_response.create(
            model="tts-1", voice="nova", input="Hello", response_format="opus"
        ) as response,
    ):
        assert response.headers["Content-Type"] == "audio/ogg"
        received = b"".join([chunk async for chunk in response.iter_bytes()])
    assert received == api.upstream.media.audio


async def test_transcription_of_a_wav_through_the_sdk(api: ApiHarness) -> None:
    key = await api.register()
    audio = wav_bytes(6)
    async with sdk(api, key) as client:
        result = await client.audio.transcriptions.create(
            model="whisper-1", file=("note.wav", audio, "audio/wav"), language="en"
        )
    assert result.text == api.upstream.media.transcript
    [received] = api.upstream.requests
    assert received.body["file"]["data"] == audio
    assert await api.balance() == 10**6 - 600  # 6 s at 0.006 a minute


async def test_a_token_billed_transcription_through_the_sdk_reports_its_usage(
    api: ApiHarness,
) -> None:
    key = await api.register()
    async with sdk(api, key) as client:
        result = await client.audio.transcriptions.create(
            model="gpt-4o-transcribe", file=("note.wav", wav_bytes(6), "audio/wav")
        )
        text = await client.audio.transcriptions.create(
            model="gpt-4o-mini-transcribe",
            file=("note.wav", wav_bytes(6), "audio/wav"),
            response_format="text",
        )
    assert result.usage is not None
    assert result.usage.type == "tokens"
    assert text == api.upstream.media.transcript
    assert [request.body["response_format"] for request in api.upstream.requests[1:]] == ["json"]
    usage = TokenUsage(input_tokens=40, output_tokens=10, input_audio_tokens=40)
    catalog = load_catalog()
    spent = source_units(catalog.get("gpt-4o-transcribe"), usage) + source_units(
        catalog.get("gpt-4o-mini-transcribe"), usage
    )
    assert await api.balance() == 10**6 - spent
