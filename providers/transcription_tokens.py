"""Token-billed transcription (`gpt-4o-transcribe` and friends): the hold, the request, the bill.

Pure translation, no I/O. These models are billed by OpenAI from the usage in the answer
(audio and text input tokens, text output tokens), not per minute, so:

- the bill is `Model.cost_of` of that usage, each category at its list price;
- the request always asks for an answer that carries the usage: `text` is asked as `json`
  and the client is answered the transcript itself, as OpenAI's `text` answer is; a streamed
  transcription carries it in its final `transcript.text.done` event;
- the hold bounds that bill from above before the call, from the audio's measured length
  (`AUDIO_TOKENS_PER_SECOND`, `OUTPUT_TOKENS_PER_SECOND`) and the prompt's bytes. A
  provider that bills more than that is still charged what it reports (the storage's
  shortfall rule caps the charge at the balance), and the route logs it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from providers.catalog import Model
from providers.openai_media import FormPart, TranscriptionForm, transcription_parts
from providers.usage import TokenUsage

#: An upper bound of the audio input tokens a second of audio costs.
#:
#: OpenAI publishes an estimated cost per minute for these models: 0.006 USD for
#: gpt-4o-transcribe (audio input at 6.00 USD per 1M tokens) and 0.003 USD for
#: gpt-4o-mini-transcribe (3.00 USD per 1M): 1000 audio tokens a minute either way, and the
#: estimate already includes the transcript's output tokens, so the audio alone is less
#: (OpenAI's realtime audio counts one token per 100 ms: 600 a minute). Twice the published
#: figure, rounded up to a whole token a second (2000 / 60 -> 34), leaves room for a
#: padded last chunk and a short clip's fixed overhead; it is some 3.4 times the 100 ms rate.
AUDIO_TOKENS_PER_SECOND = 34
#: An upper bound of the transcript's tokens a second of audio. Fast speech is 4-5 words a
#: second (some 6-7 tokens in English); scripts that tokenise densely reach some 10 tokens a
#: second. 24 is more than twice that, and `OUTPUT_TOKENS_FLOOR` covers a clip too short to
#: say how fast it is spoken.
OUTPUT_TOKENS_PER_SECOND = 24
OUTPUT_TOKENS_FLOOR = 64
#: The `response_format` values whose answer carries no usage and that are asked as `json`.
_TEXT_FORMATS = ("text",)
#: The event of a streamed transcription that carries its usage.
DONE_EVENT = "transcript.text.done"


def is_token_billed(model: Model) -> bool:
    """A transcription model billed from the answer's usage (the catalog gave it no
    `per_minute`, so its token prices were resolved like a chat model's)."""
    return model.token_prices is not None


@dataclass(frozen=True, slots=True)
class TokenPlan:
    """A token-billed transcription before the call.

    Invariant: `hold` is `Model.cost` (every input token at the highest input price, every
    output token at the highest output price) of at least as many tokens as the audio's
    length and the prompt can be billed, under the bounds above.
    """

    hold: int
    parts: list[FormPart]
    #: The client asked for `text`: the provider was asked for `json`, and the client is
    #: answered the transcript as plain text.
    answer_text: bool


def _field(form: TranscriptionForm, name: str) -> str | None:
    found = [part for part in form.forward if part.name == name and part.filename is None]
    return found[0].text() if found else None


def held_tokens(seconds: int, prompt_bytes: int) -> tuple[int, int]:
    """The input and output tokens a hold covers for `seconds` whole seconds of audio.

    Input: the audio's bound plus one token per byte of the prompt (a byte-level BPE
    tokenizer never makes more tokens than bytes). Output: the transcript's bound.
    """
    inputs = seconds * AUDIO_TOKENS_PER_SECOND + prompt_bytes
    outputs = max(OUTPUT_TOKENS_FLOOR, seconds * OUTPUT_TOKENS_PER_SECOND)
    return inputs, outputs


def plan_tokens(form: TranscriptionForm, model: Model, seconds: int) -> TokenPlan:
    """The hold and the parts to send for `seconds` (the measured length, rounded up)."""
    prompt = _field(form, "prompt") or ""
    inputs, outputs = held_tokens(seconds, len(prompt.encode()))
    parts = transcription_parts(form, model)
    streamed = (_field(form, "stream") or "").strip().lower() == "true"
    answer_text = not streamed and _field(form, "response_format") in _TEXT_FORMATS
    if answer_text:
        parts = [
            FormPart("response_format", b"json") if part.name == "response_format" else part
            for part in parts
        ]
    hold = max(1, model.cost(inputs, outputs))
    return TokenPlan(hold=hold, parts=parts, answer_text=answer_text)


def _count(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return 0


def usage_of(usage: object) -> TokenUsage | None:
    """OpenAI's transcription usage of type `tokens` as a `TokenUsage`; None otherwise.

    Audio input tokens are a part of `input_tokens` (`input_audio_tokens`), never added to
    it; a detail above its total is cut to the total, so the breakdown stays a breakdown.
    """
    if not isinstance(usage, dict) or usage.get("type") != "tokens":
        return None
    inputs = _count(usage.get("input_tokens"))
    details = usage.get("input_token_details")
    audio = _count(details.get("audio_tokens")) if isinstance(details, dict) else 0
    return TokenUsage(
        input_tokens=inputs,
        output_tokens=_count(usage.get("output_tokens")),
        input_audio_tokens=min(audio, inputs),
    )


def answer_usage(data: object) -> TokenUsage | None:
    """The usage of a JSON answer (`json`, `diarized_json`), None when it carries none."""
    return usage_of(data.get("usage")) if isinstance(data, dict) else None


def streamed_usage(body: bytes) -> TokenUsage | None:
    """The usage in a streamed transcription's `transcript.text.done` event, if any."""
    for line in body.decode(errors="replace").splitlines():
        if not line.startswith("data:"):
            continue
        try:
            event = json.loads(line.removeprefix("data:").strip())
        except json.JSONDecodeError:
            continue
        if isinstance(event, dict) and event.get("type") == DONE_EVENT:
            return usage_of(event.get("usage"))
    return None


def transcript_of(data: object) -> str | None:
    """The transcript of a JSON answer: what a `text` answer would have been."""
    text = data.get("text") if isinstance(data, dict) else None
    return text if isinstance(text, str) else None
