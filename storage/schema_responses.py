"""Migration 16: which account created each stored response of OpenAI's Responses API.

Every user's call reaches OpenAI under the operator's one key, so OpenAI cannot tell users
apart: a response id anyone learns would open it to them. `responses` remembers, for every
replica, which account made each id through this service; the API serves an id (retrieve,
delete, cancel, input items, `previous_response_id`) only to that account.

A call that created a response carries its id in `calls.response_id`, and inserting that
usage record (the settlement's one statement) also records the owner, so a non-streaming
response costs no statement more. A stream records its owner earlier, as soon as its
`response.created` event passes (`storage.responses.ResponseOwners.claim`); the settlement's
insert then finds the row there and changes nothing. The first owner of an id stays its
owner: the id is OpenAI's, unique, so a second one never legitimately comes.

A background response outlives the call that created it, and so does its hold: `held` is
what the gate held for it under `request_id` (0 for every other response), and stays held
(`accounts.reserved`, and on PostgreSQL its `holds` row) until the response is settled,
once, when `settled_at` is set in the same transaction as the usage record that charges
it and releases that hold (`storage.responses.ResponseOwners.settle`); `polled_at` is when
the periodic poll last asked the provider about it. Start-up recovery and the stale sweep
leave such open holds alone (`storage.holds`).
"""

from __future__ import annotations

from storage.schema_migration import Migration

_RESPONSES = """
CREATE TABLE responses (
    id TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    model TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    held BIGINT NOT NULL DEFAULT 0 CHECK (held >= 0),
    request_id TEXT,
    settled_at BIGINT,
    polled_at BIGINT
)"""
_OPEN_HOLDS = """
CREATE INDEX responses_open_holds ON responses (created_at)
WHERE held > 0 AND settled_at IS NULL"""
_CALL_COLUMN = "ALTER TABLE calls ADD COLUMN response_id TEXT"
_OWNER_ROW = """(id, account_id, model, created_at)
    VALUES (NEW.response_id, NEW.account_id, NEW.model, NEW.created_at)"""

_SQLITE = (
    _RESPONSES,
    _OPEN_HOLDS,
    _CALL_COLUMN,
    f"""CREATE TRIGGER calls_own_response AFTER INSERT ON calls WHEN NEW.response_id IS NOT NULL
BEGIN
    INSERT OR IGNORE INTO responses {_OWNER_ROW};
END""",
)
_POSTGRES = (
    _RESPONSES,
    _OPEN_HOLDS,
    _CALL_COLUMN,
    f"""CREATE FUNCTION calls_own_response() RETURNS trigger AS $$
BEGIN
    INSERT INTO responses {_OWNER_ROW}
    ON CONFLICT (id) DO NOTHING;
    RETURN NEW;
END
$$ LANGUAGE plpgsql""",
    """CREATE TRIGGER calls_own_response AFTER INSERT ON calls
FOR EACH ROW WHEN (NEW.response_id IS NOT NULL) EXECUTE FUNCTION calls_own_response()""",
)

RESPONSES_MIGRATION = Migration(16, "response_owners", sqlite=_SQLITE, postgresql=_POSTGRES)
