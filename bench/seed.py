"""The bench user: created straight in the service's database before the service starts.

Going through storage's own `register_telegram_user` gives the account, key and ledger the
service expects, without the bot. The credit is far beyond what any run can spend, so the
gate's balance check always passes and the bench measures the paid path, holds included.
"""

from __future__ import annotations

from bench.errors import BenchError
from storage import AccessPolicy, open_storage
from storage.clock import wall_clock

BENCH_CREDIT = 10**15


async def create_bench_user(database_url: str) -> str:
    """Register the bench user in `database_url`; its new API key (for `Bearer`)."""
    storage = await open_storage(database_url, AccessPolicy(), wall_clock)
    try:
        registration = await storage.accounts.register_telegram_user(
            telegram_id=1, telegram_username="bench", trial_credit=BENCH_CREDIT, language="en"
        )
    finally:
        await storage.close()
    if registration.secret is None:
        message = f"{database_url} already has the bench user; its key cannot be recovered"
        raise BenchError(message)
    return registration.secret
