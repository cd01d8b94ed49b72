"""Migration 14: the usage breakdown of each call, beside its totals.

`calls.input_units` and `calls.output_units` stay the totals billed; each new column is a
PART of one of them (cached and cache-written input are input, reasoning is output), never
an addition, and 0 where the provider reported no such part or the call was not a token
call. `cache_write_1h_tokens` is the one-hour part of `cache_write_tokens`. Rows written
before this migration read 0 in every column: their breakdown was never read.
"""

from __future__ import annotations

from storage.schema_migration import Migration

#: The breakdown columns, named as `storage.models.CallRecord`'s fields.
BREAKDOWN_COLUMNS = (
    "cache_read_tokens",
    "cache_write_tokens",
    "cache_write_1h_tokens",
    "reasoning_tokens",
    "input_audio_tokens",
    "output_audio_tokens",
    "input_image_tokens",
    "output_image_tokens",
)

_ADD = tuple(
    f"ALTER TABLE calls ADD COLUMN {column} BIGINT NOT NULL DEFAULT 0"
    for column in BREAKDOWN_COLUMNS
)

USAGE_BREAKDOWN_MIGRATION = Migration(14, "call_usage_breakdown", sqlite=_ADD, postgresql=_ADD)
