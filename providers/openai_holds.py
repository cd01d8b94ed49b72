"""The hold of an OpenAI-compatible chat call: the most the call can be billed.

Invariant: `hold_for_chat` is at least the cost of any usage the provider can report for
the request, so a charge never exceeds its hold. The prompt side is `PromptTally`'s bound
(every byte of the body, images at their maximum, files at the context window); the output
side is every choice's output bound, since the provider bills all `n` choices.
"""

from __future__ import annotations

from providers.catalog import Model
from providers.errors import UnboundedRequestError
from providers.prompt_bound import PromptTally, count_of
from providers.usage import JsonObject

#: The most one image part can cost on any OpenAI-compatible model here: gpt-4o-mini's
#: high detail (a 2048 x 768 image is 8 tiles of 5,667 tokens plus 2,833), far above
#: gpt-4o's 1,445 or Qwen-VL's 16,384; whatever the URL, size or `detail` sent.
IMAGE_PART_TOKENS = 2_833 + 8 * 5_667
#: Content part types whose tokens are their text (bytes bound them). `image_url` is an
#: image; any other type (`file`, a provider's `video_url`...) has a size unknown here.
_TEXT_PARTS = frozenset({"text", "refusal", "input_audio"})
#: Framing tokens: the reply's priming and the per-message and per-function markers
#: (OpenAI's are 3 and 3 a message; a function's namespace wrapping is a few more).
_BASE_FRAMING = 16
_MESSAGE_FRAMING = 8
_TOOL_FRAMING = 16
_OUTPUT_LIMITS = ("max_completion_tokens", "max_tokens")


def positive_int(body: JsonObject, field: str) -> int | None:
    """`body[field]` when it is a whole number of at least 1, None when absent; anything
    else cannot bound a hold (a 400 naming the field)."""
    value = body.get(field)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise UnboundedRequestError(f"`{field}` must be a whole number of at least 1", field)
    return value


def requested_output_tokens(body: JsonObject, model: Model) -> int:
    """One choice's output bound: the larger of `max_completion_tokens` and `max_tokens`.

    Providers differ in which one they obey when both are sent (OpenAI the first, some
    OpenAI-compatible servers the second), so the larger of the two, capped by the model's
    maximum, bounds either without refusing a request the provider would take.
    """
    most = model.max_output_tokens
    asked: int | None = None
    for field in _OUTPUT_LIMITS:
        value = positive_int(body, field)
        if value is not None and (asked is None or value > asked):
            asked = value
    return most if asked is None else min(asked, most)


def choices(body: JsonObject) -> int:
    """`n`: how many choices the provider generates, and bills, for one request."""
    return positive_int(body, "n") or 1


def _tally_message(tally: PromptTally, message: object) -> None:
    if not isinstance(message, dict):
        return
    audio = message.get("audio")
    if isinstance(audio, dict):  # an earlier audio answer, referred to by its id
        tally.unknown_size(audio)
    content = message.get("content")
    for part in content if isinstance(content, list) else []:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "image_url":
            tally.image(part)
        elif isinstance(part, dict) and kind not in _TEXT_PARTS:
            tally.unknown_size(part)


def max_input_tokens(body: JsonObject, model: Model) -> int:
    """An upper bound of the prompt's tokens (see the module and `PromptTally`)."""
    tally = PromptTally.of(body)
    messages = body.get("messages")
    for message in messages if isinstance(messages, list) else []:
        _tally_message(tally, message)
    tools = count_of(body.get("tools")) + count_of(body.get("functions"))
    framing = _BASE_FRAMING + _MESSAGE_FRAMING * count_of(messages) + _TOOL_FRAMING * tools
    return tally.bound(model, image_tokens=IMAGE_PART_TOKENS, framing=framing)


def hold_for_chat(body: JsonObject, model: Model) -> int:
    """What to pre-authorize for a chat call: the most it can cost (at least one unit)."""
    output = choices(body) * requested_output_tokens(body, model)
    return max(1, model.cost(max_input_tokens(body, model), output))
