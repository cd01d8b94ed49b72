"""Reading Gemini's `usageMetadata` into a `TokenUsage`, breakdown included.

Google's figures, as billed: the input is `promptTokenCount` plus `toolUsePromptTokenCount`
(a tool's result re-read as prompt), the output `candidatesTokenCount` plus
`thoughtsTokenCount` (thinking is billed as output). The breakdown is made of parts of those
totals, never added to them: `cachedContentTokenCount` is part of `promptTokenCount`, the
thoughts are the reasoning part of the output, and the per-modality lists
(`promptTokensDetails`, `toolUsePromptTokensDetails`, `candidatesTokensDetails`: entries of
`{"modality", "tokenCount"}`) give the audio and image parts.

A stream carries a running usage in every event, so this runs once per event: the lists are
only walked when Google sent them.
"""

from __future__ import annotations

from providers.errors import UpstreamError
from providers.usage import JsonObject, TokenUsage

__all__ = ["usage_of"]

#: The per-modality lists that are parts of the input, and the one that is part of the output.
_INPUT_DETAILS = ("promptTokensDetails", "toolUsePromptTokensDetails")
_OUTPUT_DETAILS = ("candidatesTokensDetails",)


def _count(usage: JsonObject, field: str) -> int:
    value = usage.get(field, 0)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise UpstreamError(502, f"the provider's {field} is not a whole number")
    return value


def usage_of(data: object) -> TokenUsage | None:
    """Google's `usageMetadata` as billed, with its breakdown; None when there is none."""
    usage = data.get("usageMetadata") if isinstance(data, dict) else None
    if not isinstance(usage, dict):
        return None
    input_tokens = _count(usage, "promptTokenCount") + _count(usage, "toolUsePromptTokenCount")
    thoughts = _count(usage, "thoughtsTokenCount")
    output_tokens = _count(usage, "candidatesTokenCount") + thoughts
    cached = min(_count(usage, "cachedContentTokenCount"), input_tokens)
    if not any(name in usage for name in (*_INPUT_DETAILS, *_OUTPUT_DETAILS)):
        return TokenUsage(input_tokens, output_tokens, cached, reasoning_tokens=thoughts)
    input_modes = _modalities(usage, _INPUT_DETAILS)
    output_modes = _modalities(usage, _OUTPUT_DETAILS)
    return TokenUsage(
        input_tokens,
        output_tokens,
        cache_read_tokens=cached,
        reasoning_tokens=thoughts,
        input_audio_tokens=min(input_modes.get("AUDIO", 0), input_tokens),
        output_audio_tokens=min(output_modes.get("AUDIO", 0), output_tokens),
        input_image_tokens=min(input_modes.get("IMAGE", 0), input_tokens),
        output_image_tokens=min(output_modes.get("IMAGE", 0), output_tokens),
    )


def _modalities(usage: JsonObject, fields: tuple[str, ...]) -> dict[str, int]:
    """Token counts per modality summed over `fields`; malformed entries are skipped, since a
    breakdown never changes the totals billed."""
    counts: dict[str, int] = {}
    for field in fields:
        entries = usage.get(field)
        for entry in entries if isinstance(entries, list) else ():
            if not isinstance(entry, dict):
                continue
            modality, tokens = entry.get("modality"), entry.get("tokenCount", 0)
            if isinstance(modality, str) and isinstance(tokens, int) and tokens > 0:
                counts[modality] = counts.get(modality, 0) + tokens
    return counts
