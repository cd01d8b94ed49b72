"""The Responses API's options whose cost the catalog cannot price (`providers.unpriced`'s
rules for `POST /v1/responses`), built-in tools included.

OpenAI's built-in tools (`providers.builtin_tools`) are billed per call beside the tokens.
One passes when the model has a price for its calls: genai-prices' list price (web and
file search for OpenAI's models) or the operator's catalog field `<tool>_per_1k`. Any other
built-in tool is refused naming `tools[i].type` and saying the operator has not priced it;
a tool type not known here is refused as one this service cannot count. Refused before the
gate like every rule of `providers.unpriced`: nothing is held, nothing reaches OpenAI.
"""

from __future__ import annotations

from providers.builtin_tools import (
    BUILTIN_TOOLS,
    IMAGE_GENERATION,
    PREVIEW_SEARCH,
    builtin_tool,
    local_environment,
)
from providers.model import Model
from providers.unpriced import (
    Unpriced,
    image_output,
    indexed,
    present,
    refusal,
    service_tier,
)
from providers.usage import JsonObject

#: Tools the client runs (or that only shape what the model writes): billed as tokens.
_RESPONSES_CLIENT_TOOLS = frozenset(
    {"function", "custom", "namespace", "computer", "computer_use_preview", "local_shell"}
    | {"apply_patch"}
)


def openai_responses(body: JsonObject, model: Model) -> Unpriced | None:
    """A Responses API request to `model`: a non-standard tier, server-side compaction, a
    built-in tool OpenAI runs itself (web and file search, code interpreter, image
    generation, remote MCP, a hosted shell...) that `model` has no price for, and an image
    generation's options billed beyond its one image, are refused."""
    if tier := service_tier(body):
        return tier
    if present(body, "context_management"):
        return refusal(
            "context_management",
            "(server-side compaction, extra passes of the model that no hold here bounds)",
            "leave `context_management` out",
        )
    for index, tool in indexed(body.get("tools")):
        kind = tool.get("type")
        if kind in _RESPONSES_CLIENT_TOOLS or (
            kind == "shell" and local_environment(tool.get("environment"))
        ):
            continue
        if found := _builtin_tool(index, tool, model):
            return found
    return None


def _builtin_tool(index: int, tool: JsonObject, model: Model) -> Unpriced | None:
    """A built-in tool passes when the model prices its calls (and, for an image
    generation, asks for nothing billed beyond the image)."""
    builtin = builtin_tool(tool)
    param, kind = f"tools[{index}].type", tool.get("type")
    if isinstance(kind, str) and PREVIEW_SEARCH.fullmatch(kind):
        what = (
            f"{kind!r} (the preview web search, which OpenAI bills at another price than "
            "`web_search` on some models)"
        )
        return refusal(param, what, 'send the tool as {"type": "web_search"}')
    if builtin is None:
        what = f"{kind!r} (a built-in tool that OpenAI runs and bills, which is not counted here)"
        return refusal(param, what, _responses_instead(model))
    if not model.prices_tool(builtin):
        what = (
            f"{kind!r} (a built-in tool that OpenAI bills per call; the operator has not "
            f"priced it for {model.name}: catalog field `{builtin.catalog_field}`)"
        )
        return refusal(param, what, _responses_instead(model))
    if builtin is IMAGE_GENERATION:
        return _image_tool(index, tool)
    return None


def _responses_instead(model: Model) -> str:
    """What to send instead: the tools billed as tokens, and the built-in tools `model`
    has prices for (GET /v1/models shows them)."""
    instead = (
        'leave it out; tools of type "function" or "custom", and the computer, local shell '
        "and apply_patch tools (billed as tokens) are accepted"
    )
    priced = [tool.name for tool in BUILTIN_TOOLS if model.prices_tool(tool)]
    if priced:
        instead += f", and for {model.name} the built-in tools {', '.join(priced)} (per call)"
    return instead


def _image_tool(index: int, tool: JsonObject) -> Unpriced | None:
    """An image generation tool is priced per image: partial images (billed as extra
    output) and SVG or GIF output (a second model, frames with no figure) are refused."""
    where = f"tools[{index}]."
    if tool.get("partial_images") not in (None, 0):
        return refusal(
            where + "partial_images",
            "(partial images, each billed by the provider as extra output)",
            "leave `partial_images` out",
        )
    return image_output(tool, where)
