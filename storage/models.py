"""Plain records that storage returns: no SQL, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from storage.database import Row
from storage.policy import LOCKED_UNTIL_UNBLOCKED


class AuthOutcome(StrEnum):
    """The gate's verdict, in the order the rules are checked.

    A wrong key is checked before the lock: BAD_KEY and LOCKED_BAD_KEY (a wrong key for a
    locked account) must answer exactly like UNKNOWN, so only the right key learns of a lock.
    """

    OK = "ok"
    UNKNOWN = "unknown"
    BAD_KEY = "bad_key"
    LOCKED_BAD_KEY = "locked_bad_key"
    LOCKED = "locked"
    RATE_LIMITED = "rate_limited"
    NO_FUNDS = "no_funds"


@dataclass(frozen=True, slots=True)
class Account:
    id: int
    telegram_id: int | None
    username: str
    key_prefix: str
    balance: int
    reserved: int
    strikes: int
    locked_until: int | None
    language: str | None
    created_at: int
    last_seen_at: int | None
    #: Why the current strikes (and their lock) happened: see `storage.schema_locks`.
    lock_cause: str | None = None

    @classmethod
    def from_row(cls, row: Row) -> Account:
        return cls(**{name: row[name] for name in cls.__slots__})

    def is_locked(self, now: int) -> bool:
        """A lock until unblocked holds however late the clock; any other ends by itself."""
        if self.locked_until is None:
            return False
        return self.locked_until > now or self.locked_until == LOCKED_UNTIL_UNBLOCKED

    @property
    def locked_until_unblocked(self) -> bool:
        return self.locked_until == LOCKED_UNTIL_UNBLOCKED

    @property
    def available(self) -> int:
        """What a new hold may take: the balance less what open holds keep back."""
        return self.balance - self.reserved


# Not frozen, though never changed: built on every call (why: `CallRecord`'s docstring).
@dataclass(slots=True)
class Authorization:
    """What one pass through the gate decided, with the state it left behind.

    Invariant: `hold` is held (added to the account's `reserved`) exactly when `outcome` is
    OK; the caller must then settle or release it exactly once.
    """

    outcome: AuthOutcome
    account_id: int | None = None
    username: str | None = None
    strikes: int = 0
    locked_until: int | None = None
    balance: int = 0
    hold: int = 0


@dataclass(frozen=True, slots=True)
class Registration:
    """The result of /start: `secret` is set only when the account was just created."""

    account: Account
    created: bool
    secret: str | None


@dataclass(slots=True)
class CallRecord:
    """How one call that passed the gate ended: its usage record, and its settlement.

    Invariant: `held` is exactly what the gate held for this call; `cost` is the price of
    what it produced (0 when nothing was), charged as far as the balance goes. Units of
    input and output depend on the kind of model: tokens, characters, audio, images.

    Nothing changes a record once it is built, but it is not `frozen`: a frozen
    dataclass sets each field through `object.__setattr__` (about 1 k instructions a
    field), and with 33 fields that made building one, once a call, cost 45 k instructions
    (about 2 % of a call), 10 k without. The other values built on every call are left
    unfrozen for the same reason, and point here.
    """

    request_id: str
    account_id: int
    endpoint: str
    provider: str
    model: str
    status: int
    input_units: int
    output_units: int
    cost: int
    held: int
    latency_ms: int
    #: The usage breakdown of a token call (`storage.schema_usage`): each a PART of
    #: `input_units` or `output_units`, 0 when not reported.
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cache_write_1h_tokens: int = 0
    reasoning_tokens: int = 0
    input_audio_tokens: int = 0
    output_audio_tokens: int = 0
    input_image_tokens: int = 0
    output_image_tokens: int = 0
    #: The built-in tool calls of a response (`storage.schema_tools`): counts, not tokens,
    #: each priced per call and included in `cost`.
    web_search_calls: int = 0
    file_search_calls: int = 0
    code_interpreter_calls: int = 0
    image_generation_calls: int = 0
    mcp_calls: int = 0
    shell_calls: int = 0
    #: Unique per call (`storage.schema_settle`, migration 15): writing the same settlement
    #: again is a no-op, so one whose answer was lost can be retried. None: no retry.
    settle_key: str | None = None
    #: The stored response the call created (OpenAI's Responses API): recording the call
    #: records its owner too (`storage.schema_responses`). None for every other call.
    response_id: str | None = None


# Not frozen, though never changed: built on every call (why: `CallRecord`'s docstring).
@dataclass(slots=True)
class Settlement:
    """What finishing a call left: the amount charged, any shortfall, the balance after.

    Invariant: `charged + shortfall` is the call's cost, and `balance >= 0` whenever the
    balance was not already negative.
    """

    call_id: int
    charged: int
    shortfall: int
    balance: int
