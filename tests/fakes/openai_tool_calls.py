"""Built-in tool calls in the fake Responses API: output items and their stream events,
shaped as OpenAI sends them (the openai package parses them into its own types).

`FakeResponses.tool_calls` names the calls a response makes, in order (`"web_search"`,
`"file_search"`, `"code_interpreter"`): each becomes one output item before the message,
in the whole answer and in the final event of a stream, which also streams each item's own
events.
"""

from __future__ import annotations

from typing import Any

#: The events a streamed call goes through between its item's `added` and `done`.
_PROGRESS = {
    "web_search": ("in_progress", "searching", "completed"),
    "file_search": ("in_progress", "searching", "completed"),
    "code_interpreter": ("in_progress", "interpreting", "completed"),
}


def tool_call_item(tool: str, response_id: str, index: int) -> dict[str, Any]:
    """One completed call of `tool`, as an output item."""
    item_id = f"{tool[:2]}_{response_id}_{index}"
    if tool == "web_search":
        sources = [{"type": "url", "url": "https://example.com/weather"}]
        action = {"type": "search", "query": "weather today", "sources": sources}
        return {"id": item_id, "type": "web_search_call", "status": "completed", "action": action}
    if tool == "file_search":
        return {
            "id": item_id,
            "type": "file_search_call",
            "status": "completed",
            "queries": ["weather today"],
            "results": None,
        }
    if tool == "code_interpreter":
        return {
            "id": item_id,
            "type": "code_interpreter_call",
            "status": "completed",
            "code": "print(6 * 7)",
            "container_id": f"cntr_{response_id}",
            "outputs": [{"type": "logs", "logs": "42"}],
        }
    raise ValueError(f"the fake makes no {tool} calls")


def tool_call_items(tools: list[str], response_id: str) -> list[dict[str, Any]]:
    return [tool_call_item(tool, response_id, index) for index, tool in enumerate(tools)]


def tool_call_events(tool: str, response_id: str, index: int) -> list[tuple[str, dict[str, Any]]]:
    """A streamed call: its item added in progress, its progress events, its item done."""
    item = tool_call_item(tool, response_id, index)
    events: list[tuple[str, dict[str, Any]]] = [
        ("response.output_item.added", {"output_index": index, "item": _started(item)})
    ]
    for stage in _PROGRESS[tool]:
        where = {"output_index": index, "item_id": item["id"]}
        events.append((f"response.{item['type']}.{stage}", where))
    events.append(("response.output_item.done", {"output_index": index, "item": item}))
    return events


def _started(item: dict[str, Any]) -> dict[str, Any]:
    started = {**item, "status": "in_progress"}
    if item["type"] == "web_search_call":
        started["action"] = {"type": "search", "query": "weather today"}
    return started
