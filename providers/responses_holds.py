"""The hold of a call to OpenAI's Responses API: the most the call can be billed.

Invariant: `hold_for_response` is at least the cost of any usage OpenAI can report for the
request, so a charge never exceeds its hold. The prompt side is `PromptTally`'s bound over
the whole body (`input`, `instructions`, `tools`, `text`... every byte, as for chat):

- an image (`input_image`, a computer screenshot, an earlier generated image) at the most
  one image costs on an OpenAI model, whatever its URL, file or size; one sent at
  `detail: "original"` (not scaled down, so not bounded by that figure) at the window;
- a part whose tokens cannot be known here at the model's whole context window: a file
  (`input_file`, anything named by `file_id` or `file_url`), a stored item
  (`item_reference`), reasoning or a compaction (their `encrypted_content` is not their
  token count), the stored context a request continues (`previous_response_id`, a
  `prompt` template, a `conversation`), and a remote MCP server's tools (OpenAI lists them
  before the first pass: their definitions are prompt this body does not show);
- capped by the context window: one pass of the model reads at most its window.

A built-in tool (`providers.builtin_tools`) makes OpenAI run the model again after each of
its calls, over a prompt that now holds what the tool brought in, and a response makes at
most `max_tool_calls` such calls (`with_tool_call_bound` sets it when the client did not):
so the prompt side adds one whole window per allowed call, and each call is held at the
dearest per-call price among the request's tools.

The output side is `max_output_tokens` (reasoning included, as OpenAI counts it, over the
whole response) capped at the model's maximum output, or that maximum when the request
sets none.
"""

from __future__ import annotations

from providers.builtin_tools import MCP, builtin_tool, requested_tools
from providers.catalog import Model
from providers.errors import UnboundedRequestError
from providers.openai_holds import IMAGE_PART_TOKENS, positive_int
from providers.prompt_bound import PromptTally, count_of
from providers.usage import JsonObject

#: Parts that are one image: bounded by IMAGE_PART_TOKENS, whatever their size.
_IMAGES = frozenset({"input_image", "computer_screenshot", "image_generation_call"})
#: Items whose tokens are unknown before the call.
_UNKNOWN = frozenset({"input_file", "item_reference", "reasoning", "compaction"})
#: Keys that point at content stored elsewhere, or carry it encrypted.
_REFERENCES = ("file_id", "file_url", "encrypted_content")
#: Request fields that bring a prompt stored upstream into the call.
_STORED_CONTEXT = ("previous_response_id", "prompt", "conversation")
#: Framing tokens: the reply's priming, per input item, per tool (as for chat).
_BASE_FRAMING = 16
_ITEM_FRAMING = 8
_TOOL_FRAMING = 16


def _tally(tally: PromptTally, value: object) -> None:
    """Sort the media and unknown parts of `value` (an `input`, or a part of it) out of the
    text; everything else is text, bounded by its bytes."""
    if isinstance(value, list):
        for item in value:
            _tally(tally, item)
        return
    if not isinstance(value, dict):
        return
    kind = value.get("type")
    if kind in _IMAGES and value.get("detail") != "original":
        tally.image(value)
    elif kind in _IMAGES or kind in _UNKNOWN or any(key in value for key in _REFERENCES):
        tally.unknown_size(value)
    else:
        for item in value.values():
            _tally(tally, item)


def _tools(body: JsonObject) -> int:
    """How many tools the model is shown, the functions inside each namespace included."""
    tools = body.get("tools")
    nested = (
        sum(count_of(tool.get("tools")) for tool in tools if isinstance(tool, dict))
        if isinstance(tools, list)
        else 0
    )
    return count_of(tools) + nested


def max_input_tokens(body: JsonObject, model: Model) -> int:
    """An upper bound of the prompt's tokens (see the module and `PromptTally`)."""
    tally = PromptTally.of(body)
    _tally(tally, body.get("input"))
    _tally(tally, body.get("instructions"))
    for field in _STORED_CONTEXT:
        if body.get(field) is not None:
            tally.unknown_size(body[field])
    tools = body.get("tools")
    for tool in tools if isinstance(tools, list) else ():
        if isinstance(tool, dict) and builtin_tool(tool) is MCP:
            tally.unknown_size(tool)
    items = count_of(body.get("input"))
    framing = _BASE_FRAMING + _ITEM_FRAMING * items + _TOOL_FRAMING * _tools(body)
    return tally.bound(model, image_tokens=IMAGE_PART_TOKENS, framing=framing)


def max_output_tokens(body: JsonObject, model: Model) -> int:
    """`max_output_tokens` capped at the model's maximum; the maximum when none is sent."""
    asked = positive_int(body, "max_output_tokens")
    if asked is None:
        return model.max_output_tokens
    return min(asked, model.max_output_tokens)


def with_tool_call_bound(body: JsonObject, default: int) -> JsonObject:
    """The body to send: with `max_tool_calls: default` when it gives the model a built-in
    tool and sets no bound of its own (the request is never changed otherwise)."""
    if body.get("max_tool_calls") is not None or not requested_tools(body):
        return body
    return {**body, "max_tool_calls": default}


def max_tool_calls(body: JsonObject) -> int:
    """How many built-in tool calls the response can make: 0 without a built-in tool, else
    the request's `max_tool_calls` (set by `with_tool_call_bound` when the client sent
    none; a body without it has no bound and cannot be held)."""
    if not requested_tools(body):
        return 0
    bound = body.get("max_tool_calls")
    if not isinstance(bound, int) or isinstance(bound, bool) or bound < 0:
        raise UnboundedRequestError(
            "a request with built-in tools needs `max_tool_calls`, a whole number",
            "max_tool_calls",
        )
    return bound


def hold_for_response(body: JsonObject, model: Model) -> int:
    """What to pre-authorize for a response: the most it can cost (at least one unit)."""
    calls = max_tool_calls(body)
    prompt = max_input_tokens(body, model) + calls * model.context_window
    tokens = model.cost(prompt, max_output_tokens(body, model))
    return max(1, tokens + model.tool_calls_cost(requested_tools(body), calls))
