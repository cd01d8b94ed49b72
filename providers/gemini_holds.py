"""The hold of a Gemini generateContent call: the most the call can be billed.

Invariant: `hold_for_generation` is at least the cost of any `usageMetadata` Google can
report for the request (prompt and tool-use prompt as input, candidates and thoughts as
output). The prompt side is `PromptTally`'s bound over the whole body; the output side is
every candidate's bound, read from BOTH spellings of the generation config Google accepts
(`generationConfig` and `generation_config`, each field camelCase or snake_case), taking the
largest value of each, since which one Google honours when several are sent is not known.
"""

from __future__ import annotations

from providers.catalog import Model
from providers.errors import UnboundedRequestError
from providers.prompt_bound import PromptTally, count_of
from providers.usage import JsonObject

#: The most one inline image can cost: Gemini tiles a large image into 768-pixel tiles of
#: 258 tokens each; this covers 31 tiles, more than any image the API accepts produces.
IMAGE_PART_TOKENS = 8192
_INLINE_KEYS = ("inlineData", "inline_data")
_FILE_KEYS = ("fileData", "file_data")
_RESPONSE_KEYS = ("functionResponse", "function_response")
_SYSTEM_KEYS = ("systemInstruction", "system_instruction")
_CACHE_KEYS = ("cachedContent", "cached_content")
_CONFIG_KEYS = ("generationConfig", "generation_config")
#: Media whose tokens their base64 bytes bound: text (a token per decoded byte at most) and
#: audio (32 tokens a second, below a token per base64 byte for any codec of >= 192 bit/s).
#: Video and documents (a PDF's pages are images too) have sizes unknown here.
_BYTE_BOUNDED_MEDIA = ("text/", "audio/")
_BASE_FRAMING = 16
_CONTENT_FRAMING = 8
_TOOL_FRAMING = 16


def _tally_inline(tally: PromptTally, inline: object) -> None:
    if not isinstance(inline, dict):
        return
    mime = inline.get("mimeType") or inline.get("mime_type") or ""
    mime = mime if isinstance(mime, str) else ""
    if mime.startswith("image/"):
        tally.image(inline)
    elif not mime.startswith(_BYTE_BOUNDED_MEDIA):
        tally.unknown_size(inline)


def _tally_parts(tally: PromptTally, content: object) -> None:
    parts = content.get("parts") if isinstance(content, dict) else None
    for part in parts if isinstance(parts, list) else []:
        if not isinstance(part, dict):
            continue
        for key in _INLINE_KEYS:
            _tally_inline(tally, part.get(key))
        for key in _FILE_KEYS:
            if key in part:  # a Files API upload, a YouTube video: its size is not known
                tally.unknown_size(part[key])
        for key in _RESPONSE_KEYS:
            _tally_parts(tally, part.get(key))  # a function's response may carry media


def max_prompt_tokens(body: JsonObject, model: Model) -> int:
    """An upper bound of the prompt's tokens (see `PromptTally`); a cached context named by
    `cachedContent` is part of the prompt and of unknown size here."""
    tally = PromptTally.of(body)
    contents = body.get("contents")
    for content in contents if isinstance(contents, list) else []:
        _tally_parts(tally, content)
    for key in _SYSTEM_KEYS:
        _tally_parts(tally, body.get(key))
    for key in _CACHE_KEYS:
        if key in body:
            tally.unknown_size(body[key])
    framing = (
        _BASE_FRAMING
        + _CONTENT_FRAMING * count_of(contents)
        + _TOOL_FRAMING * count_of(body.get("tools"))
    )
    return tally.bound(model, image_tokens=IMAGE_PART_TOKENS, framing=framing)


def _objects(holder: JsonObject, keys: tuple[str, ...]) -> list[JsonObject]:
    """The objects under each spelling of a field; anything but an object is refused."""
    found = []
    for key in keys:
        value = holder.get(key)
        if value is None:
            continue
        if not isinstance(value, dict):
            raise UnboundedRequestError(f"`{key}` must be an object", key)
        found.append(value)
    return found


def _whole_numbers(configs: list[JsonObject], name: str, minimum: int) -> list[int]:
    """Every value of a field (camelCase or snake_case) across `configs`, each checked."""
    camel = name[0] + name.title().replace("_", "")[1:]
    values = []
    for config in configs:
        for key in (camel, name):
            value = config.get(key)
            if value is None:
                continue
            if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
                raise UnboundedRequestError(f"`{key}` must be a whole number >= {minimum}", key)
            values.append(value)
    return values


def output_bound(body: JsonObject, model: Model) -> int:
    """Every candidate's output bound: `maxOutputTokens` capped by the model's maximum
    output, times the largest `candidateCount`.

    Thinking is inside that bound: Google's API stops a candidate at `maxOutputTokens`
    thoughts and answer together (a small limit ends in MAX_TOKENS with thoughts only), so
    no thinking budget needs adding to it.
    """
    configs = _objects(body, _CONFIG_KEYS)
    limits = _whole_numbers(configs, "max_output_tokens", 1)
    candidates = max(_whole_numbers(configs, "candidate_count", 1), default=1)
    per_candidate = min(max(limits, default=model.max_output_tokens), model.max_output_tokens)
    return per_candidate * candidates


def hold_for_generation(body: JsonObject, model: Model) -> int:
    """What to pre-authorize (at least one unit): the prompt's bound plus every candidate's."""
    return max(1, model.cost(max_prompt_tokens(body, model), output_bound(body, model)))
