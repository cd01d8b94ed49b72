"""Seeding a service's database in bulk: N accounts, M rows each of `calls` and `ledger`.

The schema comes from storage's own migrations (`open_storage`), so a seeded database is
one the service opens as its own. The rows are then written set-wise, as the settlement
would have written them, with the per-row triggers off (each would update the account row
once per row: minutes in SQLite, quadratic in one PostgreSQL transaction); at the end each
balance is set to its ledger's sum in one statement, so the start-up check that every
balance equals its ledger finds nothing to report.

`users` of the accounts, spread evenly over the id range, get keys the load generator uses;
every other account has a real key too (only its hash stored, like any account).
The SQL is composed of this module's own constants and integers; nothing else reaches it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from storage import AccessPolicy, open_storage
from storage.clock import wall_clock
from storage.keys import issue_key

#: Far beyond what any run can spend: the gate's funds check always passes, holds included.
BENCH_CREDIT = 10**15
#: Rows per statement, so a long seeding reports progress and no statement grows unbounded.
CHUNK_ROWS = 1_000_000
#: The history is spread over this many seconds before the seeding.
HISTORY_SPAN_SECONDS = 90 * 24 * 3600
#: What one seeded call cost, in minor units (any positive amount does).
HISTORY_COST = 7

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class SeedPlan:
    accounts: int
    history_rows: int
    users: int

    def __post_init__(self) -> None:
        if self.accounts < 1 or not 1 <= self.users <= self.accounts or self.history_rows < 0:
            message = f"cannot seed {self.users} users among {self.accounts} accounts"
            raise ValueError(message)

    def user_ids(self) -> list[int]:
        """Evenly spaced over 1..accounts, so the sample hits the whole key index."""
        return [1 + k * self.accounts // self.users for k in range(self.users)]


class AccountRow(NamedTuple):
    id: int
    telegram_id: int
    username: str
    key_hash: str
    key_prefix: str
    language: str
    created_at: int


ACCOUNT_COLUMNS = AccountRow._fields


def account_rows(plan: SeedPlan, now: int, keys: dict[int, str]) -> list[AccountRow]:
    """Every account row; the secrets of the sample's accounts are put in `keys` by id."""
    sample = set(plan.user_ids())
    rows = []
    for account_id in range(1, plan.accounts + 1):
        key = issue_key()
        if account_id in sample:
            keys[account_id] = key.secret
        rows.append(
            AccountRow(
                id=account_id,
                telegram_id=account_id,
                username=f"bench{account_id}",
                key_hash=key.hash,
                key_prefix=key.display_prefix,
                language="en",
                created_at=now,
            )
        )
    return rows


def grants_sql(now: int) -> str:
    """Each account's credit as one ledger row, as a registration grants it."""
    return f"""INSERT INTO ledger (account_id, kind, amount, note, created_at)
SELECT id, 'grant', {BENCH_CREDIT}, 'bench credit', {now} FROM accounts"""  # noqa: S608


class Numbers(NamedTuple):
    """How a dialect writes the integers {first}..{last} as rows `n(i)`: a WITH clause
    before the INSERT (or nothing) and the FROM source."""

    prefix: str
    source: str


SQLITE_NUMBERS = Numbers(
    "WITH RECURSIVE n(i) AS (SELECT {first} UNION ALL SELECT i + 1 FROM n WHERE i < {last})",
    "n",
)
POSTGRES_NUMBERS = Numbers("", "generate_series({first}::bigint, {last}) AS n(i)")


def history_sql(plan: SeedPlan, now: int, first: int, last: int, numbers: Numbers) -> list[str]:
    """Calls `first..last` (1-based) and their charges, written set-wise.

    The rows of one account are contiguous, so both `(account_id, id)` indexes grow at
    their ends (fast to write) and each account gets accounts/rows of the history.
    """
    rows, accounts = plan.history_rows, plan.accounts
    account = f"1 + (i - 1) * {accounts} / {rows}"
    created = f"{now - HISTORY_SPAN_SECONDS} + (i - 1) * {HISTORY_SPAN_SECONDS} / {rows}"
    prefix = numbers.prefix.format(first=first, last=last)
    source = numbers.source.format(first=first, last=last)
    calls = f"""{prefix} INSERT INTO calls (request_id, account_id, endpoint, provider, model,
    status, input_units, output_units, cost, latency_ms, created_at)
SELECT 'seed-' || i, {account}, '/v1/chat/completions', 'openai', 'gpt-4o-mini',
    200, 12, 5, {HISTORY_COST}, 40, {created} FROM {source}"""  # noqa: S608
    ledger = f"""{prefix} INSERT INTO ledger (account_id, kind, amount, model, input_tokens,
    output_tokens, request_id, created_at)
SELECT {account}, 'charge', -{HISTORY_COST}, 'gpt-4o-mini', 12, 5, 'seed-' || i, {created}
FROM {source}"""  # noqa: S608
    return [calls, ledger]


def chunks(total: int) -> list[tuple[int, int]]:
    """1-based inclusive ranges of at most CHUNK_ROWS covering 1..total."""
    starts = range(1, total + 1, CHUNK_ROWS)
    return [(start, min(start + CHUNK_ROWS - 1, total)) for start in starts]


#: Every balance to its ledger's sum; the same statement in both dialects.
BALANCES_SQL = """UPDATE accounts SET balance =
    (SELECT COALESCE(SUM(amount), 0) FROM ledger WHERE ledger.account_id = accounts.id)"""


async def create_schema(database_url: str) -> None:
    """Storage's migrations on an empty database (and its start-up checks, trivially met)."""
    storage = await open_storage(database_url, AccessPolicy(), wall_clock)
    await storage.close()


def keys_in_order(plan: SeedPlan, keys: dict[int, str]) -> list[str]:
    return [keys[account_id] for account_id in plan.user_ids()]
