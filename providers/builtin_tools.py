"""OpenAI's built-in tools on the Responses API: which request tools they are, how a
response's calls of them are counted, and the unit each is priced in.

A built-in tool is one OpenAI runs itself during a response (a web search, a file search,
code in a container, an image, a remote MCP server, a hosted shell) and bills beside the
tokens: per call, per container or per image. Each call is followed by another pass of the
model, so a response with built-in tools is several passes (`providers.responses_holds`
bounds them with `max_tool_calls`).

Invariants:
- pure: JSON values in, values out; no I/O, no settings;
- a tool is priced in one unit, `usage_key`: genai-prices' own where it has one (web
  searches, file searches as its "storage searches", code executions), else ours, always
  per 1000 calls; `TokenUsage.<counter>` counts its calls (`providers.prices.COUNTERS`);
- calls are counted from a response object's `output` items, one item one call, whatever
  its status: a failed or cut-short call may still be billed, and counting it never makes a
  response cheaper than what OpenAI bills;
- `web_search` and its dated variants are one tool, priced once; `web_search_preview` is not
  it: OpenAI bills the preview on non-reasoning models at another price ($25 per 1000 calls
  against $10) that the price source does not list, so it is refused (`PREVIEW_SEARCH`);
- a tool type not in this table is not a priceable built-in tool: `providers.unpriced`
  refuses it unless it is billed as tokens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from providers.usage import JsonObject, TokenUsage


@dataclass(frozen=True, slots=True)
class BuiltinTool:
    """One built-in tool: `name` is how the catalog (`<name>_per_1k`), refusals and usage
    records call it; `item` is the output item type of one of its calls."""

    name: str
    usage_key: str
    counter: str
    item: str

    @property
    def catalog_field(self) -> str:
        """The catalog field that prices it: a decimal string per 1000 calls."""
        return f"{self.name}_per_1k"


WEB_SEARCH = BuiltinTool("web_search", "web_searches", "web_search_calls", "web_search_call")
FILE_SEARCH = BuiltinTool(
    "file_search", "storage_searches", "file_search_calls", "file_search_call"
)
CODE_INTERPRETER = BuiltinTool(
    "code_interpreter", "code_executions", "code_interpreter_calls", "code_interpreter_call"
)
IMAGE_GENERATION = BuiltinTool(
    "image_generation", "image_generations", "image_generation_calls", "image_generation_call"
)
MCP = BuiltinTool("mcp", "mcp_calls", "mcp_calls", "mcp_call")
#: A shell in a container OpenAI hosts (a local shell's commands run on the client's side,
#: billed as tokens).
SHELL = BuiltinTool("shell", "shell_calls", "shell_calls", "shell_call")

BUILTIN_TOOLS = (WEB_SEARCH, FILE_SEARCH, CODE_INTERPRETER, IMAGE_GENERATION, MCP, SHELL)
#: Every built-in tool by the unit it is priced in.
TOOLS_BY_UNIT = {tool.usage_key: tool for tool in BUILTIN_TOOLS}

#: `web_search` and its dated variants (`web_search_2025_08_26`).
_WEB_SEARCH_TYPES = re.compile(r"web_search(_\d{4}_\d{2}_\d{2})?")
#: `web_search_preview` and its dated variants: not priced as `web_search` (see above).
PREVIEW_SEARCH = re.compile(r"web_search_preview(_\d{4}_\d{2}_\d{2})?")
_BY_TYPE = {tool.name: tool for tool in BUILTIN_TOOLS if tool is not WEB_SEARCH}
_BY_ITEM = {tool.item: tool for tool in BUILTIN_TOOLS}


def builtin_tool(tool: JsonObject) -> BuiltinTool | None:
    """The built-in tool a request's `tools` entry is, or None (a client tool, or a type
    this table does not know)."""
    kind = tool.get("type")
    if not isinstance(kind, str):
        return None
    if _WEB_SEARCH_TYPES.fullmatch(kind):
        return WEB_SEARCH
    if kind == SHELL.name and local_environment(tool.get("environment")):
        return None
    return _BY_TYPE.get(kind)


def requested_tools(body: JsonObject) -> tuple[BuiltinTool, ...]:
    """The built-in tools a request gives the model, each once."""
    tools = body.get("tools")
    if not isinstance(tools, list):
        return ()
    found = (builtin_tool(tool) for tool in tools if isinstance(tool, dict))
    return tuple(dict.fromkeys(tool for tool in found if tool is not None))


def local_environment(environment: object) -> bool:
    """A shell's environment that is the client's own: none given, or `local`."""
    return environment is None or (
        isinstance(environment, dict) and environment.get("type") == "local"
    )


def tool_calls(response: object) -> dict[str, int]:
    """The built-in tool calls in a response object's `output`, by `TokenUsage` counter."""
    output = response.get("output") if isinstance(response, dict) else None
    counts: dict[str, int] = {}
    if isinstance(output, list):
        for item in output:
            counter = call_counter(item)
            if counter is not None:
                counts[counter] = counts.get(counter, 0) + 1
    return counts


def call_counter(item: object) -> str | None:
    """The `TokenUsage` counter of an output item that is one built-in tool call, or None.

    A `shell_call` counts unless it says it ran in the client's `local` environment: a call
    that does not say where it ran is counted (never free by accident)."""
    if not isinstance(item, dict):
        return None
    tool = _BY_ITEM.get(str(item.get("type")))
    if tool is None:
        return None
    if tool is SHELL and _ran_locally(item):
        return None
    return tool.counter


def _ran_locally(item: JsonObject) -> bool:
    environment = item.get("environment")
    return isinstance(environment, dict) and environment.get("type") == "local"


def with_tool_calls(usage: TokenUsage, response: object) -> TokenUsage:
    """`usage` with the response's built-in tool calls counted in it."""
    counts = tool_calls(response)
    return usage._replace(**counts) if counts else usage
