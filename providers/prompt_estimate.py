"""The likely prompt tokens of a request, for billing a stream that ended without usage.

Only a stream the provider broke off (or ended without its usage) is billed from an estimate,
and never above its hold (`api.billing.Bill`). Text counts a token per four bytes, as the
providers' tokenizers roughly do. A media part counts at its dialect's per-part figure, the
one the hold functions use, and never by its payload: a 2 MB base64 image is not 500 000
tokens of prompt, so its bytes must not reach the estimate.

Pure functions over the client's JSON; one walk serves the three dialects, each saying
which of its objects are media parts.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

#: Roughly four bytes of text per token in the providers' tokenizers.
BYTES_PER_TOKEN = 4
#: OpenAI: the most one image part can cost (high-detail tiles stay below this), as held.
OPENAI_MEDIA_PART_TOKENS = 1600
#: Anthropic: an image is scaled to at most about 1.15 megapixels, about 1 600 tokens.
ANTHROPIC_MEDIA_BLOCK_TOKENS = 1600
#: Gemini: the most one inline image can cost (31 tiles of 258 tokens), as held.
GEMINI_MEDIA_PART_TOKENS = 8192

#: Tells whether a JSON object is a media part: its token figure, or None for other objects.
MediaFigure = Callable[[Mapping[str, object]], int | None]


def _walk(value: object, media: MediaFigure) -> tuple[int, int]:
    """(bytes of text, tokens of media) in `value`; a media part's own bytes are skipped."""
    if isinstance(value, dict):
        figure = media(value)
        if figure is not None:
            return 0, figure
        text = sum(len(str(key).encode()) for key in value)
        tokens = 0
        for item in value.values():
            item_text, item_tokens = _walk(item, media)
            text, tokens = text + item_text, tokens + item_tokens
        return text, tokens
    if isinstance(value, list):
        pairs = [_walk(item, media) for item in value]
        return sum(text for text, _ in pairs), sum(tokens for _, tokens in pairs)
    if isinstance(value, str):
        return len(value.encode()), 0
    return len(json.dumps(value)), 0


def _estimate(body: Mapping[str, object], fields: tuple[str, ...], media: MediaFigure) -> int:
    """The estimate over the prompt `fields` of `body` (at least one token)."""
    text, tokens = _walk([body[name] for name in fields if name in body], media)
    return text // BYTES_PER_TOKEN + tokens + 1


def _openai_media(part: Mapping[str, object]) -> int | None:
    """Image, audio and file parts of a chat message (their base64 travels inside them)."""
    if part.get("type") in ("image_url", "input_audio", "file"):
        return OPENAI_MEDIA_PART_TOKENS
    return None


def _anthropic_media(block: Mapping[str, object]) -> int | None:
    """Image and document blocks (a base64 `source`, or a URL one)."""
    if block.get("type") in ("image", "document") and isinstance(block.get("source"), dict):
        return ANTHROPIC_MEDIA_BLOCK_TOKENS
    return None


_GEMINI_MEDIA_KEYS = ("inlineData", "inline_data", "fileData", "file_data")


def _gemini_media(part: Mapping[str, object]) -> int | None:
    """A part carrying inline bytes or naming an uploaded file."""
    if any(isinstance(part.get(key), dict) for key in _GEMINI_MEDIA_KEYS):
        return GEMINI_MEDIA_PART_TOKENS
    return None


def openai_prompt_tokens(body: Mapping[str, object]) -> int:
    """Chat Completions: the messages and the tool definitions."""
    return _estimate(body, ("messages", "tools"), _openai_media)


_RESPONSES_MEDIA = frozenset({"input_image", "input_file", "input_audio", "computer_screenshot"})


def _responses_media(part: Mapping[str, object]) -> int | None:
    """Image, file and audio parts of a Responses input (their payload travels inside)."""
    if part.get("type") in _RESPONSES_MEDIA:
        return OPENAI_MEDIA_PART_TOKENS
    return None


def openai_responses_prompt_tokens(body: Mapping[str, object]) -> int:
    """Responses API: the instructions, the input and the tool definitions."""
    return _estimate(body, ("instructions", "input", "tools"), _responses_media)


def anthropic_prompt_tokens(body: Mapping[str, object]) -> int:
    """Messages API: the system prompt, the messages and the tool definitions."""
    return _estimate(body, ("system", "messages", "tools"), _anthropic_media)


def gemini_prompt_tokens(body: Mapping[str, object]) -> int:
    """Gemini: the contents, the system instruction and the tool declarations."""
    fields = ("contents", "systemInstruction", "system_instruction", "tools")
    return _estimate(body, fields, _gemini_media)
