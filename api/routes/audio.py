"""OpenAI's audio: `POST /v1/audio/speech`, `/v1/audio/transcriptions`, `/v1/audio/translations`.

Speech of a per-character model (tts-1) is priced per input character, so its hold is its
exact cost. It is charged once the provider has answered 2xx, because from then on the
provider bills the operator for it: a client that leaves mid-body is still charged
(recorded as 499); a provider whose body breaks off is not (`api.audio_relay`). A
token-billed model (gpt-4o-mini-tts) is held for its input and its longest audio, and
billed from the usage or the length of what it answered (`api.routes.speech_tokens`).

Transcriptions and translations of a per-minute model (whisper-1) are priced per minute of
the uploaded audio, measured before the call by counting its packets (never from what a
header claims), in a worker thread. Token-billed models (gpt-4o-transcribe and its kin) are
billed from the usage in the answer (`api.routes.transcription_tokens`); their hold is
sized from the same measured length. The per-minute hold is that length rounded up to a
whole second; the bill is the longer of the measured length and the provider's own figure
when its answer states one (`text`, `srt` and `vtt` never do), capped at the hold, so a
header cannot shorten the bill and the hold always bounds it. Uploads are read with their
own limit (MAX_AUDIO_BYTES).

All three run through the billed-request pipeline (`api.pipeline`) with no body to replay:
they take no Idempotency-Key (speech is a stream; README lists the routes that do).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from api.audio_relay import relay_audio
from api.body import read_json_object, validated
from api.context import context_of
from api.credentials import take_credentials
from api.errors import REQUEST_ID, InvalidRequestError
from api.openapi_models import Handler, OperationDoc
from api.pipeline import billed_request
from api.route_rows import openai_rows
from api.routes.kinds import as_invalid_request, route_of_kind
from api.routes.speech_tokens import speak_tokens
from api.routes.transcription_tokens import transcribe_tokens
from api.uploads import AUDIO_BODY_LIMIT, DEFAULT_MAX_AUDIO_BYTES, read_form
from providers.audio_duration import audio_seconds
from providers.catalog import ModelKind
from providers.openai_media import (
    SPEECH_MAX_CHARACTERS,
    FormPart,
    audio_milliseconds,
    billed_seconds,
    held_seconds,
    reported_seconds,
    speech_cost,
    split_transcription_form,
    transcription_parts,
    with_upstream_model,
)
from providers.openai_media_client import OpenAIMediaClient
from providers.speech_tokens import plan_speech
from providers.transcription_tokens import is_token_billed, plan_tokens

logger = logging.getLogger(__name__)


class SpeechRequest(BaseModel):
    """The fields the gateway prices or checks; `speed`, `instructions`... pass through."""

    model_config = ConfigDict(extra="allow", strict=True)

    model: str = Field(min_length=1, max_length=200)
    input: str = Field(min_length=1, max_length=SPEECH_MAX_CHARACTERS)
    voice: str | dict[str, Any]
    response_format: Literal["mp3", "opus", "aac", "flac", "wav", "pcm"] | None = None
    instructions: str | None = None
    stream_format: Literal["sse", "audio"] | None = None


async def create_speech(request: web.Request) -> web.StreamResponse:
    context = context_of(request)
    body = await read_json_object(request)
    credentials = take_credentials(request, body)
    speech = validated(SpeechRequest, body)
    route = route_of_kind(context.registry, speech.model, ModelKind.SPEECH)
    payload = with_upstream_model(body, route.model)
    if route.model.token_prices is not None:
        plan = plan_speech(body, route.model)
        return await speak_tokens(request, credentials, route, payload, plan)
    cost = speech_cost(speech.input, route.model)
    client = OpenAIMediaClient(context.upstream)
    async with (
        billed_request(request, credentials, route, max(1, cost), body=None) as call,
        client.speech(route, payload) as audio,
    ):
        call.bill.charge(len(speech.input), 0, cost)
        return await relay_audio(request, audio, call.bill, route.model.name)


async def create_transcription(request: web.Request) -> web.StreamResponse:
    return await _transcribe(request, "/audio/transcriptions")


async def create_translation(request: web.Request) -> web.StreamResponse:
    return await _transcribe(request, "/audio/translations")


async def _measured_seconds(audio: FormPart) -> float:
    """The upload's playing time, measured in a worker thread (25 MB take some 0.2-0.8 s)."""
    seconds = await asyncio.to_thread(audio_seconds, audio.value)
    if seconds is None:
        raise InvalidRequestError(
            "could not measure how long `file` plays: send readable audio as flac, mp3, mp4, "
            "m4a, mpeg, ogg, wav or webm",
            param="file",
        )
    return seconds


async def _transcribe(request: web.Request, path: str) -> web.StreamResponse:
    context = context_of(request)
    limit = request.app.get(AUDIO_BODY_LIMIT, DEFAULT_MAX_AUDIO_BYTES)
    with as_invalid_request():
        form = split_transcription_form(await read_form(request, limit))
    credentials = take_credentials(request, dict(form.credentials))
    route = route_of_kind(context.registry, form.model, ModelKind.TRANSCRIPTION)
    seconds = await _measured_seconds(form.audio)
    if is_token_billed(route.model):
        with as_invalid_request():
            plan = plan_tokens(form, route.model, held_seconds(seconds))
        return await transcribe_tokens(request, credentials, route, path, plan)
    hold = max(1, route.model.audio_cost(held_seconds(seconds)))
    client = OpenAIMediaClient(context.upstream)
    async with billed_request(request, credentials, route, hold, body=None) as call:
        reply = await client.post_form(route, path, transcription_parts(form, route.model))
        reported = reported_seconds(reply.data)
        if reported is not None and reported > held_seconds(seconds):
            logger.warning(
                "request %s: the provider states %.3f s for audio measured at %.3f s; "
                "billed up to the hold",
                request[REQUEST_ID],
                reported,
                seconds,
            )
        billed = billed_seconds(seconds, reported)
        call.bill.charge(audio_milliseconds(billed), 0, route.model.audio_cost(billed))
        return call.answer(
            web.Response(body=reply.body, headers={"Content-Type": reply.content_type})
        )


ROUTES = (
    *openai_rows("POST", "/audio/speech", create_speech),
    *openai_rows("POST", "/audio/transcriptions", create_transcription),
    *openai_rows("POST", "/audio/translations", create_translation),
)
#: The multipart form of transcriptions and translations (OpenAI's fields, and ours).
_AUDIO_FORM: dict[str, Any] = {
    "type": "object",
    "required": ["file", "model"],
    "properties": {
        "file": {"type": "string", "format": "binary", "description": "the audio file"},
        "model": {"type": "string", "minLength": 1, "examples": ["whisper-1"]},
        "language": {"type": "string"},
        "prompt": {"type": "string"},
        "response_format": {"type": "string"},
        "temperature": {"type": "string"},
        "username": {"type": "string"},
        "key": {"type": "string"},
    },
    "additionalProperties": {"type": "string"},
}
_TEXT_ANSWERS = ("application/json", "text/*")
OPERATIONS: dict[Handler, OperationDoc] = {
    create_speech: OperationDoc(
        "OpenAI text to speech",
        "openai",
        body=SpeechRequest,
        answers=("audio/*",),
        example={"model": "tts-1", "input": "Hello", "voice": "alloy"},
    ),
    create_transcription: OperationDoc(
        "OpenAI transcription", "openai", form=_AUDIO_FORM, answers=_TEXT_ANSWERS
    ),
    create_translation: OperationDoc(
        "OpenAI translation", "openai", form=_AUDIO_FORM, answers=_TEXT_ANSWERS
    ),
}
