"""The hold of an Anthropic Messages call: the most the call can be billed.

Invariant: `hold_for_messages` is at least the cost of any usage Anthropic can report for
the request (cache writes and reads included, as they are input). The prompt side is
`PromptTally`'s bound over the whole body (system, messages, tools, tool_choice...): an
image at the most Anthropic lets one cost, a document other than plain text (a PDF: its
pages' text and images) or a file by id at the context window; the output side is
`max_tokens`, which bounds thinking too, capped by the model's maximum.

With Anthropic's web search (`providers.anthropic_tools`), each search is followed by
another pass of the model over at most the window, and the tool's `max_uses` bounds the
searches (the route sends a default when the client sets none). So the hold adds, per
allowed search, a pass over the whole window and one search at its price; `max_tokens`
bounds the whole answer, however many passes it takes.
"""

from __future__ import annotations

from dataclasses import replace

from providers.anthropic_tools import max_web_searches
from providers.builtin_tools import WEB_SEARCH
from providers.catalog import Model
from providers.prompt_bound import PromptTally, count_of
from providers.usage import JsonObject

#: The most one image can cost: width x height / 750 after Anthropic scales it down, which
#: is about 1,600 tokens on most models and about 4,784 on those that read 2,576 px edges.
IMAGE_PART_TOKENS = 4_800
#: The context window with the `context-1m` beta, which a client may ask for in its header.
LONG_CONTEXT_WINDOW = 1_000_000
_LONG_CONTEXT_BETA = "context-1m"
#: Block types whose tokens are their text, so their bytes bound them.
_TEXT_BLOCKS = frozenset({"text", "tool_use", "thinking", "redacted_thinking", "search_result"})
#: Framing tokens: Anthropic's tool-use system prompt (346 at most) and each tool's
#: rendering (its own tools, such as the text editor, cost up to 735 more each).
_BASE_FRAMING = 16
_MESSAGE_FRAMING = 8
_TOOLS_FRAMING = 512
_TOOL_FRAMING = 1024


def context_window(model: Model, beta: str | None) -> int:
    """The model's window, or the long one when the client's `anthropic-beta` asks for it."""
    if beta and _LONG_CONTEXT_BETA in beta:
        return max(model.context_window, LONG_CONTEXT_WINDOW)
    return model.context_window


def _tally_blocks(tally: PromptTally, blocks: object) -> None:
    for block in blocks if isinstance(blocks, list) else []:
        kind = block.get("type") if isinstance(block, dict) else None
        if not isinstance(block, dict) or kind in _TEXT_BLOCKS:
            continue
        if kind == "image":
            tally.image(block)
        elif kind == "tool_result":
            _tally_blocks(tally, block.get("content"))
        elif kind == "document" and _is_plain_text(block):
            continue
        else:
            tally.unknown_size(block)


def _is_plain_text(document: JsonObject) -> bool:
    source = document.get("source")
    return isinstance(source, dict) and source.get("type") == "text"


def max_input_tokens(body: JsonObject, model: Model, window: int) -> int:
    """An upper bound of the prompt's tokens, capped by `window` (see the module)."""
    tally = PromptTally.of(body)
    messages = body.get("messages")
    for message in messages if isinstance(messages, list) else []:
        if isinstance(message, dict):
            _tally_blocks(tally, message.get("content"))
    tools = count_of(body.get("tools"))
    framing = (
        _BASE_FRAMING
        + _MESSAGE_FRAMING * count_of(messages)
        + (_TOOLS_FRAMING + _TOOL_FRAMING * tools if tools else 0)
    )
    sized = replace(model, context_window=window)
    return tally.bound(sized, image_tokens=IMAGE_PART_TOKENS, framing=framing)


def hold_for_messages(
    body: JsonObject, model: Model, max_tokens: int, beta: str | None = None
) -> int:
    """What to pre-authorize (at least one unit): the prompt's bound plus `max_tokens`,
    capped by the model's own maximum output, since Anthropic refuses more; and for each
    allowed web search, a pass over the window and the search (see the module)."""
    output = min(max_tokens, model.max_output_tokens)
    window = context_window(model, beta)
    searches = max_web_searches(body)
    prompt = max_input_tokens(body, model, window) + searches * window
    return max(1, model.cost(prompt, output) + model.tool_calls_cost((WEB_SEARCH,), searches))
