"""Anthropic's web search server tool on the Messages API: which tools it is, the bound on
its uses, and how many it made.

Anthropic runs the search itself and bills each one beside the tokens
(`usage.server_tool_use.web_search_requests`), at the same unit as OpenAI's web search
(`providers.builtin_tools.WEB_SEARCH`: genai-prices lists $10 per 1000 for Anthropic's
models, or the catalog's `web_search_per_1k`). Each search is followed by another pass of
the model over a prompt that now holds the results, and the tool's `max_uses` bounds the
searches of one request: so a request always carries it (`with_max_uses`), and
`providers.anthropic_holds` holds one more pass over the window and one search per use.

Invariants:
- pure: JSON values in, values out;
- only the versions checked here (`web_search_2025*`) are this tool; a later version is a
  server tool like any other, refused until it is checked (`providers.unpriced`);
- a request's searches are bounded by the sum of its web search tools' `max_uses`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, TypeGuard

from providers.errors import UnboundedRequestError
from providers.usage import JsonObject

_WEB_SEARCH = re.compile(r"web_search_2025\d{4}")


def is_web_search(tool: JsonObject) -> bool:
    """Whether a `tools` entry is Anthropic's web search in a version checked here."""
    kind = tool.get("type")
    return isinstance(kind, str) and _WEB_SEARCH.fullmatch(kind) is not None


def _tools(body: JsonObject) -> list[object]:
    tools = body.get("tools")
    return tools if isinstance(tools, list) else []


def _unbounded(tool: object) -> TypeGuard[JsonObject]:
    """A web search tool that sets no `max_uses`."""
    return isinstance(tool, dict) and is_web_search(tool) and tool.get("max_uses") is None


def with_max_uses(body: JsonObject, default: int) -> JsonObject:
    """The body to send: each web search tool without `max_uses` of its own given
    `default` (the request is never changed otherwise)."""
    tools = _tools(body)
    if not any(_unbounded(tool) for tool in tools):
        return body
    bounded = [{**tool, "max_uses": default} if _unbounded(tool) else tool for tool in tools]
    return {**body, "tools": bounded}


def max_web_searches(body: JsonObject) -> int:
    """The most searches the request can make: its web search tools' `max_uses`, summed
    (0 without one); a web search without a whole `max_uses` has no bound."""
    total = 0
    for index, tool in enumerate(_tools(body)):
        if not isinstance(tool, dict) or not is_web_search(tool):
            continue
        uses = tool.get("max_uses")
        if not isinstance(uses, int) or isinstance(uses, bool) or uses < 1:
            raise UnboundedRequestError(
                "a web search tool needs `max_uses`, a whole number of at least 1",
                f"tools[{index}].max_uses",
            )
        total += uses
    return total


def web_search_requests(usage: Mapping[str, Any]) -> int | None:
    """`server_tool_use.web_search_requests` of an Anthropic usage, when it reports one."""
    server = usage.get("server_tool_use")
    found = server.get("web_search_requests") if isinstance(server, dict) else None
    if isinstance(found, int) and not isinstance(found, bool) and found >= 0:
        return found
    return None
