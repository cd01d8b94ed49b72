"""Request options whose cost the catalog cannot price, per dialect.

The catalog prices tokens (and images, characters, minutes). Some options make the provider
bill more than tokens: a faster or slower service tier, a web search per call, a container
per hour, a call routed to another model at that model's price. Passed through, they would
be paid by the operator and never billed. Each function here returns the first such option
in a request (the field to name, and why it is refused, with what to send instead), or
None. The routes call one of them once, before the gate, so a refused request changes
nothing in the database and never reaches the provider.

Invariants:
- pure: plain JSON values in, a value out; nothing here does I/O or reads settings;
- tools are checked against an allow-list of what is billed as tokens (function tools,
  Anthropic's client tools, Gemini's code execution and URL context), so a server tool the
  provider adds later is refused until it is priced, never passed through unbilled;
- OpenAI's built-in tools on the Responses API (`providers.unpriced_responses`, which
  shares the helpers here) and Anthropic's web search pass only for a model that has a
  price for their calls, from the list prices or the operator's catalog;
- an option set to its standard value (`service_tier: "auto"`, an empty `plugins` list)
  costs nothing extra and passes.

When the catalog learns to price one of these (a per-search price, a tier multiplier), the
rule for it goes, and the option is billed instead, as OpenAI's built-in tools are.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from providers.anthropic_tools import is_web_search
from providers.builtin_tools import WEB_SEARCH
from providers.model import Model
from providers.usage import JsonObject


@dataclass(frozen=True, slots=True)
class Unpriced:
    """One refused option: `param` names the field as the client sent it; `message` says
    it is not priced here and what to send instead."""

    param: str
    message: str


def refusal(param: str, what: str, instead: str) -> Unpriced:
    return Unpriced(
        param,
        f"`{param}` {what} is not priced by this service, so it cannot be billed here; {instead}",
    )


def indexed(values: object) -> Iterator[tuple[int, JsonObject]]:
    """The objects of a list with their positions; anything else yields nothing (the
    provider judges malformed tools, which cost nothing when refused there)."""
    if isinstance(values, list):
        for index, value in enumerate(values):
            if isinstance(value, dict):
                yield index, value


def present(body: JsonObject, name: str) -> bool:
    """Set to something other than null or an empty list/object (which change nothing)."""
    value = body.get(name)
    return value is not None and value != [] and value != {}


# --- OpenAI-compatible chat ------------------------------------------------------------

_STANDARD_TIERS = frozenset({"auto", "default"})
_CHAT_TOOL_TYPES = frozenset({"function", "custom"})
#: OpenRouter's request fields that buy something besides the model's tokens.
_OPENROUTER_EXTRAS = {
    "plugins": (
        "(OpenRouter's plugins, such as web search, are billed per use)",
        "leave `plugins` out",
    ),
    "models": (
        "(OpenRouter may route the call to any of these models, each at its own price)",
        "send one catalog model in `model` and leave `models` out",
    ),
}


def openai_chat(body: JsonObject, upstream_model: str) -> Unpriced | None:
    """An OpenAI-style chat request (OpenAI, Groq, OpenRouter, Qwen and the echo model).

    `upstream_model` is the provider's name for the catalog model: OpenRouter's `:online`
    variant adds a web search to every call.
    """
    if tier := service_tier(body):
        return tier
    if body.get("web_search_options") is not None:  # even `{}` turns the search on
        return refusal(
            "web_search_options",
            "(a web search, billed by the provider per call)",
            "leave `web_search_options` out and use a model without search",
        )
    for name, (what, instead) in _OPENROUTER_EXTRAS.items():
        if present(body, name):
            return refusal(name, what, instead)
    if upstream_model.endswith(":online"):
        return refusal(
            "model",
            f"{upstream_model!r} (its `:online` variant adds a web search to every call)",
            "use the model without `:online`",
        )
    return _chat_tools(body.get("tools"))


def service_tier(body: JsonObject) -> Unpriced | None:
    tier = body.get("service_tier")
    if tier is not None and tier not in _STANDARD_TIERS:
        return refusal(
            "service_tier",
            f"{tier!r} (priced by the provider above or below the standard price)",
            'leave `service_tier` out, or send "auto" or "default"',
        )
    return None


def _chat_tools(tools: object) -> Unpriced | None:
    for index, tool in indexed(tools):
        kind = tool.get("type")
        if kind not in _CHAT_TOOL_TYPES:
            return refusal(
                f"tools[{index}].type",
                f"{kind!r} (a provider-side tool, billed per use)",
                'send tools of type "function" (billed as tokens) instead',
            )
    return None


# --- Anthropic Messages ----------------------------------------------------------------

#: Client tools: the model asks, the client runs them, the exchange is billed as tokens.
_ANTHROPIC_CLIENT_TOOLS = ("computer_", "bash_", "text_editor_", "memory_")


def anthropic_messages(body: JsonObject, model: Model) -> Unpriced | None:
    """An Anthropic Messages request to `model`: MCP servers and server tools are refused,
    but for the web search (`providers.anthropic_tools`) when `model` prices searches."""
    if present(body, "mcp_servers"):
        return refusal(
            "mcp_servers",
            "(remote MCP servers, run by Anthropic with tools priced per use)",
            "leave `mcp_servers` out and pass the tools you need as custom tools",
        )
    for index, tool in indexed(body.get("tools")):
        kind = tool.get("type")
        if kind is None or kind == "custom":
            continue
        if isinstance(kind, str) and kind.startswith(_ANTHROPIC_CLIENT_TOOLS):
            continue
        if is_web_search(tool):
            if model.prices_tool(WEB_SEARCH):
                continue
            return refusal(
                f"tools[{index}].type",
                f"{kind!r} (Anthropic's web search, billed per search; the operator has not "
                f"priced it for {model.name}: catalog field `{WEB_SEARCH.catalog_field}`)",
                "leave it out",
            )
        return refusal(
            f"tools[{index}].type",
            f"{kind!r} (a server tool such as web search, web fetch or code execution, "
            "billed by Anthropic per use or per container hour)",
            "leave it out; custom tools and the computer, bash and text editor tools "
            "(billed as tokens) are accepted",
        )
    return None


# --- Gemini ----------------------------------------------------------------------------

#: Tool fields billed as tokens, in both of the spellings Google's API accepts.
_GEMINI_TOKEN_TOOLS = frozenset(
    {
        "functionDeclarations",
        "function_declarations",
        "codeExecution",
        "code_execution",
        "urlContext",
        "url_context",
        "computerUse",
        "computer_use",
    }
)
_GEMINI_GROUNDING = frozenset(
    {
        "googleSearch",
        "google_search",
        "googleSearchRetrieval",
        "google_search_retrieval",
        "googleMaps",
        "google_maps",
    }
)
_GROUNDING = "(grounding with Google Search or Maps, billed by Google per query or prompt)"
_GOOGLE_SIDE = "(a tool run on Google's side, which this service has no price for)"


def gemini_generation(body: JsonObject) -> Unpriced | None:
    """A Gemini generateContent request: grounding (Google Search, Maps) and any tool not
    billed as tokens are refused."""
    return _gemini_tools(body.get("tools"))


def _gemini_tools(tools: object) -> Unpriced | None:
    for index, tool in indexed(tools):
        unpriced = [field for field in tool if field not in _GEMINI_TOKEN_TOOLS]
        if unpriced:
            field = unpriced[0]
            what = _GROUNDING if field in _GEMINI_GROUNDING else _GOOGLE_SIDE
            return refusal(
                f"tools[{index}].{field}",
                what,
                "leave it out; functionDeclarations, codeExecution and urlContext "
                "(billed as tokens) are accepted",
            )
    return None


# --- OpenAI images ---------------------------------------------------------------------


def openai_image(body: JsonObject) -> Unpriced | None:
    """An image call (generation or edit; a form's fields as plain values): a streamed one
    (with partial images, each billed as extra output tokens) is refused, the answer must
    be one JSON body carrying its usage; so are outputs whose tokens have no figure here:
    SVG (written by a second model, whose usage the answer bills apart) and GIF frames."""
    if body.get("stream") is not None and body.get("stream") is not False:
        return refusal(
            "stream",
            "(a streamed image, whose partial images the provider bills as extra output)",
            "leave `stream` out: the image comes in one answer",
        )
    if body.get("partial_images") not in (None, 0):
        return refusal(
            "partial_images",
            "(partial images, each billed by the provider as extra output)",
            "leave `partial_images` out",
        )
    return image_output(body)


def image_output(body: JsonObject, where: str = "") -> Unpriced | None:
    """SVG or GIF output; `where` prefixes the field named (an image generation tool's)."""
    output_format = body.get("output_format")
    svg = [name for name in body if name == "svg" or name.startswith("svg[")]
    if output_format == "svg" or svg:
        return refusal(
            where + ("output_format" if output_format == "svg" else svg[0]),
            "(SVG, written by a second model whose usage is billed apart)",
            "ask for png, webp or jpeg",
        )
    if output_format == "gif" or body.get("frame_count") is not None:
        return refusal(
            where + ("output_format" if output_format == "gif" else "frame_count"),
            "(a GIF, whose frames have no published token figure)",
            "ask for png, webp or jpeg",
        )
    return None
