"""Migration 17: the health of the operator's provider keys, shared by every process.

The serving processes write here off the request path (`api.key_sync`, every few seconds):
a key's row changes only when it is benched or recovers, and its calls are added up per
minute in `upstream_key_counts`. The command line (`myapi keys`) and the bot's `/stats` read
it; every replica adopts the benches the others wrote. A key is named by a digest of its
secret (`key_id`) and a label showing a few of its characters, never by the secret.

`refusal_reported` makes the admins' notice of a refused key (401/403) once per refusal:
the process whose UPDATE flips it sends the notice; a recovery re-arms it.
"""

from __future__ import annotations

from storage.schema_migration import Migration

_KEYS = """
CREATE TABLE upstream_keys (
    provider TEXT NOT NULL,
    key_id TEXT NOT NULL,
    label TEXT NOT NULL,
    benched_at BIGINT,
    benched_until BIGINT,
    bench_reason TEXT,
    bench_status INTEGER,
    recovered_at BIGINT,
    refusal_reported BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (provider, key_id)
)"""

_COUNTS = """
CREATE TABLE upstream_key_counts (
    provider TEXT NOT NULL,
    key_id TEXT NOT NULL,
    minute BIGINT NOT NULL,
    requests BIGINT NOT NULL DEFAULT 0 CHECK (requests >= 0),
    errors BIGINT NOT NULL DEFAULT 0 CHECK (errors >= 0),
    PRIMARY KEY (provider, key_id, minute)
)"""

_COUNTS_BY_MINUTE = "CREATE INDEX upstream_key_counts_by_minute ON upstream_key_counts (minute)"

_STATEMENTS = (_KEYS, _COUNTS, _COUNTS_BY_MINUTE)

KEY_HEALTH_MIGRATION = Migration(
    17, "upstream_key_health", sqlite=_STATEMENTS, postgresql=_STATEMENTS
)
