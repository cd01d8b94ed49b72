"""Token-billed speech (`gpt-4o-mini-tts`): the hold, the usage, and the audio's length.

Pure translation, no I/O. OpenAI bills these models per token, text input and audio
output, not per character as tts-1. Its answer is the audio itself and says nothing of
what it cost, except with `stream_format: "sse"`, whose last event (`speech.audio.done`)
carries the call's `usage`. So:

- the hold is the input text at one token per UTF-8 byte (`input` and `instructions`; a
  byte-level tokenizer never makes more tokens than bytes) plus the most audio one answer
  can hold, the catalog's `max_output_tokens` for the model (see providers/catalog.toml for
  the figure and where it comes from);
- an SSE answer is billed from its `usage`, as reported;
- an audio answer is billed from its own length, measured from its packets once it has all
  arrived (`speech_seconds`), converted to audio tokens at `AUDIO_TOKENS_PER_MINUTE`, with
  the input at the hold's bound: an estimate of ours, so it is capped at the hold.
"""

from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass

from providers.audio_duration import SPEECH_FORMATS, audio_seconds
from providers.catalog import Model
from providers.usage import JsonObject, TokenUsage

#: Audio tokens a minute of speech is billed as, when the answer does not say.
#:
#: OpenAI publishes an estimated cost of 0.015 USD a minute for gpt-4o-mini-tts, whose audio
#: output costs 12.00 USD per 1M tokens: 1,250 tokens a minute. A measured answer of 268 s
#: was billed 5,392 audio tokens (1,207 a minute), so the published rate errs on the high
#: side, the side that never bills the operator's cost short; a started millisecond counts.
AUDIO_TOKENS_PER_MINUTE = 1_250
#: OpenAI's `pcm` answer: raw 24 kHz, 16-bit, mono samples, no header to read.
PCM_BYTES_PER_SECOND = 24_000 * 2
#: The events of an SSE speech answer: a piece of the audio (base64), and the call's usage.
DELTA_EVENT = "speech.audio.delta"
DONE_EVENT = "speech.audio.done"


@dataclass(frozen=True, slots=True)
class SpeechPlan:
    """A token-billed speech call before it is made.

    Invariant: `hold` is `Model.cost` of `input_tokens` (an upper bound of the text input)
    and of the model's maximum audio output, so no answer within the model's limits costs
    more.
    """

    hold: int
    input_tokens: int
    #: The client asked for server-sent events: the usage arrives in the last one.
    sse: bool
    response_format: str


def plan_speech(body: JsonObject, model: Model) -> SpeechPlan:
    """The plan of a validated speech request (`input` a string, the rest as sent)."""
    texts = [body.get("input"), body.get("instructions")]
    inputs = sum(len(text.encode()) for text in texts if isinstance(text, str))
    return SpeechPlan(
        hold=max(1, model.cost(inputs, model.max_output_tokens)),
        input_tokens=inputs,
        sse=body.get("stream_format") == "sse",
        response_format=str(body.get("response_format") or "mp3"),
    )


def audio_tokens(seconds: float) -> int:
    """The audio tokens `seconds` of speech are billed as (a started millisecond counts)."""
    milliseconds = math.ceil(seconds * 1000)
    return -(-milliseconds * AUDIO_TOKENS_PER_MINUTE // 60_000)


def measured_usage(plan: SpeechPlan, seconds: float) -> TokenUsage:
    """The estimate of an audio answer: the input's bound, and its length's audio tokens."""
    tokens = audio_tokens(seconds)
    return TokenUsage(plan.input_tokens, tokens, output_audio_tokens=tokens)


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def done_usage(event: object) -> TokenUsage | None:
    """The usage of a `speech.audio.done` event: text input, and output that is all audio."""
    if not isinstance(event, dict) or event.get("type") != DONE_EVENT:
        return None
    usage = event.get("usage")
    if not isinstance(usage, dict):
        return None
    output = _count(usage.get("output_tokens"))
    return TokenUsage(_count(usage.get("input_tokens")), output, output_audio_tokens=output)


class SpeechListener:
    """Reads a speech answer as it is relayed: keeps its audio to measure (a `pcm` answer's
    size only), from the bytes themselves or from an SSE answer's `speech.audio.delta`
    events, and an SSE answer's usage. A `StreamScanner`: what it is fed passes on
    unchanged.
    """

    def __init__(self, plan: SpeechPlan) -> None:
        self._sse = plan.sse
        self._format = plan.response_format
        self._pending = b""
        self._audio = bytearray()
        self._size = 0
        self.usage: TokenUsage | None = None
        self.complete = False
        self.failed = False  # a speech answer reports no failure inside itself

    def feed(self, chunk: bytes) -> bytes:
        if not self._sse:
            self._keep(chunk)
            return chunk
        self._pending += chunk
        *events, self._pending = self._pending.split(b"\n\n")
        for event in events:
            self._read(event)
        return chunk

    def finish(self) -> bytes:
        """The answer ended whole; an SSE answer's unterminated last event is read too."""
        if self._pending.strip():
            self._read(self._pending)
        self._pending = b""
        self.complete = True
        return b""

    def reported(self) -> TokenUsage | None:
        return self.usage

    def produced(self, prompt_estimate: int) -> TokenUsage | None:
        return None  # billed from the reported usage or the measured audio, never guessed

    def seconds(self) -> float | None:
        """How long the audio received plays: `pcm` by its size, any other format by its
        packets (`providers.audio_duration`, some 0.1 s of CPU for minutes of audio: run it
        in a worker thread); None when nothing readable arrived."""
        if self._format == "pcm":
            return self._size / PCM_BYTES_PER_SECOND if self._size else None
        return audio_seconds(bytes(self._audio), SPEECH_FORMATS) if self._audio else None

    def _keep(self, audio: bytes) -> None:
        self._size += len(audio)
        if self._format != "pcm":
            self._audio += audio

    def _read(self, event: bytes) -> None:
        for line in event.split(b"\n"):
            if not line.startswith(b"data:"):
                continue
            try:
                data = json.loads(line.removeprefix(b"data:"))
                if isinstance(data, dict) and data.get("type") == DELTA_EVENT:
                    self._keep(base64.b64decode(str(data.get("audio", ""))))
            except ValueError:  # not JSON, or not base64 (binascii.Error is a ValueError)
                continue
            self.usage = done_usage(data) or self.usage
