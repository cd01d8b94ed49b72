"""Migration 12: settling a call never fails, whatever happened to its hold meanwhile.

Until now the settle released `calls.held` from `accounts.reserved` unconditionally. When
the hold was already gone (a second SQLite process released every hold at its start-up; a
PostgreSQL sweep released a hold older than STALE_HOLD_MINUTES while its call still ran),
that drove `reserved` below zero, the CHECK refused the statement, and the call and its
charge were never recorded: the call was free.

Invariants after this migration:

- Inserting a `calls` row never violates `reserved >= 0`, so a finished call is always
  recorded and charged.
- PostgreSQL releases a hold only through its row: the settle deletes the row and subtracts
  what it deleted, the sweep does the same, so exactly one of them releases each hold, and a
  settle after a sweep takes nothing from other calls' holds. `GREATEST(..., 0)` is a last
  guard only.
- SQLite keeps no hold rows; its release is clamped at zero (its one serving process owns
  the database, see `storage.ownership`, so a hold is only ever wiped when no call runs).
"""

from __future__ import annotations

from storage.schema_migration import Migration

_CHARGE_ROW = """
INSERT INTO ledger (account_id, kind, amount, model, input_tokens, output_tokens,
                    request_id, created_at)
VALUES (NEW.account_id, 'charge', -NEW.cost, NEW.model, NEW.input_units, NEW.output_units,
        NEW.request_id, NEW.created_at)"""

_SQLITE = [
    "DROP TRIGGER calls_release",
    """CREATE TRIGGER calls_release AFTER INSERT ON calls WHEN NEW.held > 0
       BEGIN
           UPDATE accounts SET reserved = MAX(reserved - NEW.held, 0)
           WHERE id = NEW.account_id;
       END""",
]

_POSTGRES = [
    f"""CREATE OR REPLACE FUNCTION calls_settle() RETURNS trigger AS $$
        DECLARE
            released BIGINT;
        BEGIN
            IF NEW.held > 0 THEN
                DELETE FROM holds WHERE id = (
                    SELECT id FROM holds
                    WHERE account_id = NEW.account_id AND request_id = NEW.request_id
                      AND amount = NEW.held
                    LIMIT 1
                ) RETURNING amount INTO released;
                IF released IS NOT NULL THEN
                    UPDATE accounts SET reserved = GREATEST(reserved - released, 0)
                    WHERE id = NEW.account_id;
                END IF;
            END IF;
            IF NEW.cost > 0 THEN {_CHARGE_ROW}; END IF;
            RETURN NEW;
        END
        $$ LANGUAGE plpgsql""",
]

SETTLE_MIGRATION = Migration(
    12, "settle_after_lost_hold", sqlite=tuple(_SQLITE), postgresql=tuple(_POSTGRES)
)

# Migration 15: a settlement written twice is written once. A settlement whose answer was
# lost (the link to PostgreSQL broke after the statement was sent) is written again once
# the database is back, and it may have been applied the first time: its key, unique per
# call, makes the second INSERT a no-op (ON CONFLICT DO NOTHING fires no trigger, so
# nothing is charged or released twice). NULL for rows written before: never a conflict.
_SETTLE_KEY = (
    "ALTER TABLE calls ADD COLUMN settle_key TEXT",
    "CREATE UNIQUE INDEX calls_by_settle_key ON calls (settle_key)",
)

SETTLE_KEY_MIGRATION = Migration(15, "settle_key", sqlite=_SETTLE_KEY, postgresql=_SETTLE_KEY)
