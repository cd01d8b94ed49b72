"""What every chat dialect reports and every billed route reads: usage and whole answers.

Neutral ground: no dialect owns these types, so each dialect (OpenAI-compatible, Anthropic,
Gemini, the built-in echo) and the API import them from here rather than from each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

#: A JSON object as `json.loads` gives it: a client's body, a payload, a provider's answer.
JsonObject = dict[str, Any]


class TokenUsage(NamedTuple):
    """The tokens a call used, as billed: `input_tokens` and `output_tokens` are the totals.

    Invariant: the breakdown fields are parts of those totals, never additions to them
    (cached and cache-written input are input tokens, reasoning is output): a breakdown the
    provider did not report stays 0, and each part is priced at its own price
    (`providers.prices`), the rest of its total at the total's price. The `*_calls` fields
    are no tokens: they count the built-in tools a response called
    (`providers.builtin_tools`), each call priced apart from the tokens.

    A NamedTuple rather than a frozen dataclass: a Gemini stream builds one per event, and a
    tuple of seventeen fields is built faster than a frozen dataclass of two. Compare a usage
    only with another `TokenUsage`.
    """

    input_tokens: int
    output_tokens: int
    #: Input read from the provider's prompt cache.
    cache_read_tokens: int = 0
    #: Input written to the provider's prompt cache (every write, whatever its lifetime).
    cache_write_tokens: int = 0
    #: The part of `cache_write_tokens` written for an hour (Anthropic prices it above the
    #: five-minute writes).
    cache_write_1h_tokens: int = 0
    #: Output spent on reasoning (thinking) that the answer does not show.
    reasoning_tokens: int = 0
    input_audio_tokens: int = 0
    output_audio_tokens: int = 0
    input_image_tokens: int = 0
    output_image_tokens: int = 0
    #: The image part of `cache_read_tokens` (so also a part of `input_image_tokens`): GPT
    #: image models price cached image input apart from cached text.
    cache_read_image_tokens: int = 0
    #: OpenAI's built-in tools called (Responses API): calls, not tokens.
    web_search_calls: int = 0
    file_search_calls: int = 0
    code_interpreter_calls: int = 0
    image_generation_calls: int = 0
    mcp_calls: int = 0
    shell_calls: int = 0


# Not frozen, though never changed: built on every call (why: `storage.models.CallRecord`).
@dataclass(slots=True)
class Completion:
    """A finished non-streaming call: the upstream's bytes as sent, and the usage in them.

    `answer` is the body as parsed once (None where nothing parsed it), for what else a
    route reads from it (a stored response's id).
    """

    body: bytes
    content_type: str
    usage: TokenUsage
    answer: Any = None
