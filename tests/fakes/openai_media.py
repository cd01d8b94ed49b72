"""The fake provider's embeddings, images and audio endpoints, answering as OpenAI does.

They share `FakeUpstream`'s switches (`fail_status`, `fail_message`, `prompt_tokens`) and its
`requests` record; `FakeMedia` holds the switches of their own. A multipart upload is
recorded as a dict of its fields, a file part as `{"filename", "content_type", "data"}`.

A base64 image is a real PNG of the asked `size` (1024x1024 when absent or not "WxH"), RGB
and filled with `FakeMedia.image_color`, so a test can decode it and check what a filter did
to a known pixel; `FakeMedia.image_bytes` replaces it with exact bytes (a broken image).
"""

from __future__ import annotations

import asyncio
import base64
import io
import struct
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from aiohttp import BodyPartReader, web
from PIL import Image

from tests.fakes.openai_speech import FakeSpeechUsage, refuses_sse, sse_answer
from tests.fakes.openai_transcribe import FakeTokenUsage, is_token_model, token_answer

if TYPE_CHECKING:
    from tests.fakes.upstream import FakeUpstream

SPEECH_TYPES = {"mp3": "audio/mpeg", "wav": "audio/wav", "opus": "audio/ogg", "flac": "audio/flac"}
DEFAULT_IMAGE_SIZE = (1024, 1024)


@dataclass
class FakeMedia:
    #: Images in an answer; None: as many as `n` asked for.
    images_returned: int | None = None
    #: Every pixel of a generated image; when `image_bytes` is set, those exact bytes are
    #: the image instead (for a broken or a specific one).
    image_color: tuple[int, int, int] = (200, 100, 50)
    image_bytes: bytes | None = None
    #: The speech body, sent in `audio_chunks` pieces; a cut drops the connection after
    #: that many pieces; a pause waits for the event after the first piece.
    audio: bytes = b"ID3" + bytes(range(256)) * 40
    audio_chunks: int = 4
    cut_audio_after: int | None = None
    pause_audio: asyncio.Event | None = None
    #: What a `stream_format: "sse"` speech answer's done event reports.
    speech_usage: FakeSpeechUsage = field(default_factory=FakeSpeechUsage)
    #: The length a transcription answer states (verbose_json `duration`, json `usage`).
    reported_seconds: float | None = None
    transcript: str = "Hello from the fake transcriber"
    #: What token-billed transcription models (gpt-4o-transcribe...) report.
    transcription_usage: FakeTokenUsage = field(default_factory=FakeTokenUsage)
    #: A gpt-image answer's `usage`, as OpenAI reports it: text input tokens (None: one per
    #: word of the prompt), image input tokens (None: `upload_tokens` per uploaded image),
    #: cached input (reported only when set, with its split when `cached_image_tokens` is
    #: set), image output tokens per image (None: OpenAI's published figure for the size and
    #: quality, 4160 when it has none) and text output tokens; `report_image_usage` False
    #: leaves the usage out.
    text_tokens: int | None = None
    image_input_tokens: int | None = None
    upload_tokens: int = 323
    cached_tokens: int | None = None
    cached_image_tokens: int | None = None
    output_image_tokens: int | None = None
    output_text_tokens: int = 0
    report_image_usage: bool = True


async def _form_body(request: web.Request) -> dict[str, Any]:
    body: dict[str, Any] = {}
    async for part in await request.multipart():
        assert isinstance(part, BodyPartReader)
        data = await part.read()
        value: Any
        if part.filename is not None:
            content_type = part.headers.get("Content-Type")
            value = {"filename": part.filename, "content_type": content_type, "data": data}
        else:
            value = data.decode()
        name = part.name or ""
        if name.endswith("[]"):
            body.setdefault(name, []).append(value)
        else:
            body[name] = value
    return body


#: OpenAI's published output tokens of a GPT Image 1 picture, by size and quality.
PUBLISHED_TOKENS = {
    ("1024x1024", "low"): 272,
    ("1024x1024", "medium"): 1056,
    ("1024x1024", "high"): 4160,
    ("1024x1536", "low"): 408,
    ("1024x1536", "medium"): 1584,
    ("1024x1536", "high"): 6240,
    ("1536x1024", "low"): 400,
    ("1536x1024", "medium"): 1568,
    ("1536x1024", "high"): 6208,
}
UPLOAD_FIELDS = ("image", "image[]", "mask", "markup")


def is_gpt_image(model: object) -> bool:
    return str(model).startswith(("gpt-image", "chatgpt-image"))


def _image_size(size: object) -> tuple[int, int]:
    width, _, height = str(size).partition("x")
    if not (width.isdigit() and height.isdigit()):
        return DEFAULT_IMAGE_SIZE
    return int(width), int(height)


@lru_cache(maxsize=32)
def solid_png(size: tuple[int, int], color: tuple[int, int, int]) -> bytes:
    """A PNG of one colour: a 1024x1024 one compresses to about 5 KB in some 30 ms."""
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def _embedding(index: int, encoding_format: str | None) -> dict[str, Any]:
    vector = [0.25 * (index + 1), -0.5, 0.125, 1.0]
    encoded: Any = vector
    if encoding_format == "base64":
        encoded = base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
    return {"object": "embedding", "index": index, "embedding": encoded}


class MediaRoutes:
    """The handlers, bound to one fake provider's state."""

    def __init__(self, fake: FakeUpstream) -> None:
        self.fake = fake

    def add_to(self, app: web.Application) -> None:
        app.router.add_post("/v1/embeddings", self.embeddings)
        app.router.add_post("/v1/images/generations", self.images)
        app.router.add_post("/v1/images/edits", self.image_upload)
        app.router.add_post("/v1/images/variations", self.image_upload)
        app.router.add_post("/v1/audio/speech", self.speech)
        app.router.add_post("/v1/audio/transcriptions", self.transcription)
        app.router.add_post("/v1/audio/translations", self.transcription)

    def _failure(self) -> web.Response | None:
        if self.fake.fail_status is None:
            return None
        error = {"message": self.fake.fail_message, "type": "server_error", "param": None}
        return web.json_response({"error": error}, status=self.fake.fail_status)

    async def _record_json(self, request: web.Request) -> dict[str, Any]:
        body: dict[str, Any] = await request.json()
        self.fake.record(request, body)
        return body

    async def embeddings(self, request: web.Request) -> web.Response:
        body = await self._record_json(request)
        if failed := self._failure():
            return failed
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        tokens = self.fake.prompt_tokens
        return web.json_response(
            {
                "object": "list",
                "data": [_embedding(i, body.get("encoding_format")) for i in range(len(texts))],
                "model": body["model"],
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            }
        )

    async def images(self, request: web.Request) -> web.Response:
        body = await self._record_json(request)
        if failed := self._failure():
            return failed
        return self._image_answer(body, uploads=0)

    async def image_upload(self, request: web.Request) -> web.Response:
        """Edits and variations: a multipart form, answered as a generation is."""
        body = await _form_body(request)
        self.fake.record(request, body)
        if failed := self._failure():
            return failed
        if "n" in body:
            body["n"] = int(body["n"])
        uploads = sum(
            len(value) if isinstance(value, list) else 1
            for name, value in body.items()
            if name in UPLOAD_FIELDS
        )
        return self._image_answer(body, uploads)

    def _image_answer(self, body: dict[str, Any], uploads: int) -> web.Response:
        count = self.fake.media.images_returned
        count = body.get("n", 1) if count is None else count
        b64 = body.get("response_format") == "b64_json" or is_gpt_image(body["model"])
        image = {"b64_json": base64.b64encode(self._image(body)).decode()} if b64 else None
        data = [image or {"url": f"https://images.example/{i}.png"} for i in range(count)]
        answer: dict[str, Any] = {"created": int(time.time()), "data": data}
        if is_gpt_image(body["model"]) and self.fake.media.report_image_usage:
            answer["usage"] = self._image_usage(body, count, uploads)
        return web.json_response(answer)

    def _image_usage(self, body: dict[str, Any], count: int, uploads: int) -> dict[str, Any]:
        media = self.fake.media
        prompt = str(body.get("prompt", ""))
        text = len(prompt.split()) if media.text_tokens is None else media.text_tokens
        image = uploads * media.upload_tokens
        image = image if media.image_input_tokens is None else media.image_input_tokens
        inputs = text + image
        per_image = PUBLISHED_TOKENS.get((str(body.get("size")), str(body.get("quality"))), 4160)
        image_out = count * (
            per_image if media.output_image_tokens is None else media.output_image_tokens
        )
        output = image_out + media.output_text_tokens
        usage: dict[str, Any] = {
            "input_tokens": inputs,
            "input_tokens_details": {"text_tokens": text, "image_tokens": image},
            "output_tokens": output,
            "output_tokens_details": {
                "image_tokens": image_out,
                "text_tokens": media.output_text_tokens,
            },
            "total_tokens": inputs + output,
        }
        if media.cached_tokens is not None:
            usage["cached_tokens"] = media.cached_tokens
        if media.cached_image_tokens is not None:
            cached = media.cached_tokens or 0
            usage["cached_tokens_details"] = {
                "cached_image_tokens": media.cached_image_tokens,
                "cached_text_tokens": cached - media.cached_image_tokens,
            }
        return usage

    def _image(self, body: dict[str, Any]) -> bytes:
        media = self.fake.media
        if media.image_bytes is not None:
            return media.image_bytes
        return solid_png(_image_size(body.get("size")), media.image_color)

    async def speech(self, request: web.Request) -> web.StreamResponse:
        body = await self._record_json(request)
        if failed := self._failure() or refuses_sse(body):
            return failed
        media = self.fake.media
        if body.get("stream_format") == "sse":
            return await sse_answer(
                request, body, media.audio, media.audio_chunks, media.speech_usage
            )
        content_type = SPEECH_TYPES.get(body.get("response_format", "mp3"), "audio/mpeg")
        response = web.StreamResponse(headers={"Content-Type": content_type})
        await response.prepare(request)
        size = -(-len(media.audio) // media.audio_chunks)
        for sent, start in enumerate(range(0, len(media.audio), size)):
            if sent == media.cut_audio_after:
                assert request.transport is not None
                request.transport.close()  # the provider dies mid-body
                return response
            await response.write(media.audio[start : start + size])
            if sent == 0 and media.pause_audio is not None:
                await media.pause_audio.wait()
        await response.write_eof()
        return response

    async def transcription(self, request: web.Request) -> web.StreamResponse:
        body = await _form_body(request)
        self.fake.record(request, body)
        if failed := self._failure():
            return failed
        media = self.fake.media
        if is_token_model(body.get("model")):
            return await token_answer(request, body, media.transcript, media.transcription_usage)
        answer: dict[str, Any] = {"text": media.transcript}
        response_format = body.get("response_format", "json")
        if response_format in ("text", "srt", "vtt"):
            return web.Response(text=media.transcript, content_type="text/plain")
        if media.reported_seconds is not None and response_format == "verbose_json":
            answer.update(task="transcribe", language="english", duration=media.reported_seconds)
        elif media.reported_seconds is not None:
            answer["usage"] = {"type": "duration", "seconds": media.reported_seconds}
        return web.json_response(answer)
