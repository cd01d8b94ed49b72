"""Pure translation for OpenAI's embeddings and audio: checks, holds, payloads, usage.

Nothing here does I/O (`providers.openai_media_client` does), so every pricing rule is
tested with plain values. Images have their own modules (`providers.image_plans` and what
it uses). Invariant the routes rely on: a hold is never below what the call can be billed,
except where the provider's own figure is the only truth (embeddings are held at one token
per input byte, an upper bound for byte-level BPE tokenizers, and billed from
`usage.prompt_tokens`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from providers.errors import ProviderError
from providers.model import Model
from providers.usage import JsonObject

#: OpenAI's limit on the text of one speech request, in characters.
SPEECH_MAX_CHARACTERS = 4096
#: Form fields that carry the caller's credentials; never forwarded.
CREDENTIAL_FIELDS = ("username", "key")


class MediaRequestError(ProviderError):
    """The request cannot be priced or sent as it is; `param` names the field to fix, and
    `code` says why when it is more than a malformed field (`option_not_priced`)."""

    def __init__(self, message: str, param: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.code = code


def with_upstream_model(body: JsonObject, model: Model) -> JsonObject:
    """The client's body, untouched but for the provider's own model name."""
    return {**body, "model": model.upstream}


# --- embeddings ---------------------------------------------------------------------------


def embedding_token_bound(value: object) -> int:
    """The most tokens `input` can be: one per UTF-8 byte of text, or the ids given."""
    if isinstance(value, str):
        return len(value.encode())
    if isinstance(value, list):
        if value and all(isinstance(item, int) for item in value):
            return len(value)
        return sum(embedding_token_bound(item) for item in value)
    return 0


def hold_for_embeddings(body: JsonObject, model: Model) -> int:
    return max(1, model.cost(embedding_token_bound(body.get("input")), 0))


# --- audio --------------------------------------------------------------------------------


def speech_cost(text: str, model: Model) -> int:
    """Speech is priced per input character, so the hold is the exact cost."""
    return model.cost(len(text), 0)


@dataclass(frozen=True, slots=True)
class FormPart:
    """One part of a multipart form as received; `filename` is set for file parts."""

    name: str
    value: bytes
    filename: str | None = None
    content_type: str | None = None

    def text(self) -> str:
        try:
            return self.value.decode()
        except UnicodeDecodeError as error:
            raise MediaRequestError(f"`{self.name}` is not UTF-8 text", self.name) from error


@dataclass(frozen=True, slots=True)
class TranscriptionForm:
    """An upload split into what the gateway needs and what it forwards.

    Invariant: `forward` holds every part but the credentials, in the client's order
    (repeated fields such as `timestamp_granularities[]` stay repeated).
    """

    model: str
    audio: FormPart
    credentials: dict[str, str]
    forward: list[FormPart]


def _single(parts: list[FormPart], name: str) -> FormPart | None:
    found = [part for part in parts if part.name == name]
    if len(found) > 1:
        raise MediaRequestError(f"`{name}` was sent {len(found)} times: send it once", name)
    return found[0] if found else None


def split_transcription_form(parts: list[FormPart]) -> TranscriptionForm:
    audio = _single(parts, "file")
    if audio is None or audio.filename is None or not audio.value:
        raise MediaRequestError("`file`: upload the audio as a non-empty file part", "file")
    model = _single(parts, "model")
    if model is None or not model.text().strip():
        raise MediaRequestError("`model` is required, e.g. whisper-1", "model")
    credentials: dict[str, str] = {}
    for name in CREDENTIAL_FIELDS:
        part = _single(parts, name)
        if part is not None:
            credentials[name] = part.text()
    forward = [part for part in parts if part.name not in CREDENTIAL_FIELDS]
    for part in forward:
        if part.filename is None:
            part.text()  # every field but the file must be text, checked before the hold
    return TranscriptionForm(model.text().strip(), audio, credentials, forward)


def transcription_parts(form: TranscriptionForm, model: Model) -> list[FormPart]:
    """The parts to send upstream: the client's, with the provider's model name."""
    return [
        FormPart("model", model.upstream.encode()) if part.name == "model" else part
        for part in form.forward
    ]


def reported_seconds(data: object) -> float | None:
    """The provider's own length of the audio: verbose_json's `duration`, or a
    `usage` of type `duration`; None when the answer states neither (text, srt...)."""
    if not isinstance(data, dict):
        return None
    figures = [data.get("duration")]
    usage = data.get("usage")
    if isinstance(usage, dict) and usage.get("type") == "duration":
        figures.append(usage.get("seconds"))
    found = [
        float(value)
        for value in figures
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0
    ]
    return max(found) if found else None


def held_seconds(measured: float) -> int:
    """What a transcription holds: the measured length rounded up to a whole second.

    The measure counts the audio's own packets before the call (see
    `providers.audio_duration`), so it is known, not estimated; the whole second is the
    unit the provider rounds its own figure to. Invariant: `billed_seconds` never exceeds
    it, so the hold bounds the charge.
    """
    return math.ceil(measured)


def billed_seconds(measured: float, reported: float | None) -> float:
    """The provider's own figure when its answer states a longer one than measured (that
    is what it bills the operator), else the measured length; at most `held_seconds`.

    `text`, `srt` and `vtt` answers state no length: the measured one is billed.
    """
    return min(max(measured, reported or 0.0), held_seconds(measured))


def audio_milliseconds(seconds: float) -> int:
    """The billed length as whole milliseconds (a started one counts), for the usage record."""
    return math.ceil(seconds * 1000)
