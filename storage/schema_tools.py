"""Migration 18: the built-in tool calls of each call, beside its token usage.

OpenAI's Responses API bills each call of a built-in tool (a web search, a file search, a
code interpreter's container, an image, a remote MCP call, a hosted shell) beside the
tokens; the call's `cost` includes them. Each column counts one tool's calls, named as
`storage.models.CallRecord`'s fields (and `providers.usage.TokenUsage`'s): counts, not
tokens, and no part of `input_units` or `output_units`. 0 for every call that made none,
and for rows written before this migration.
"""

from __future__ import annotations

from storage.schema_migration import Migration

#: The tool-call columns, named as `storage.models.CallRecord`'s fields.
TOOL_CALL_COLUMNS = (
    "web_search_calls",
    "file_search_calls",
    "code_interpreter_calls",
    "image_generation_calls",
    "mcp_calls",
    "shell_calls",
)

_ADD = tuple(
    f"ALTER TABLE calls ADD COLUMN {column} BIGINT NOT NULL DEFAULT 0"
    for column in TOOL_CALL_COLUMNS
)

TOOL_CALLS_MIGRATION = Migration(18, "call_tool_calls", sqlite=_ADD, postgresql=_ADD)
