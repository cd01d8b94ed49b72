"""Migration 15: which account created each stored response of OpenAI's Responses API.

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
"""

from __future__ import annotations

from storage.schema_migration import Migration

_RESPONSES = """
CREATE TABLE responses (
    id TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    model TEXT NOT NULL,
    created_at BIGINT NOT NULL
)"""
_CALL_COLUMN = "ALTER TABLE calls ADD COLUMN response_id TEXT"
_OWNER_ROW = """(id, account_id, model, created_at)
    VALUES (NEW.response_id, NEW.account_id, NEW.model, NEW.created_at)"""

_SQLITE = (
    _RESPONSES,
    _CALL_COLUMN,
    f"""CREATE TRIGGER calls_own_response AFTER INSERT ON calls WHEN NEW.response_id IS NOT NULL
BEGIN
    INSERT OR IGNORE INTO responses {_OWNER_ROW};
END""",
)
_POSTGRES = (
    _RESPONSES,
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

RESPONSES_MIGRATION = Migration(15, "response_owners", sqlite=_SQLITE, postgresql=_POSTGRES)
