"""The access gate: the seed's rules, turned into HTTP answers.

The decision itself is one atomic statement in storage (`AccountStore.authorize`); this
module only maps its verdict to an error. An unknown user and a wrong key get the same
message, so the answer never tells whether a username exists.
"""

from __future__ import annotations

from aiohttp import web

from api.context import context_of
from api.credentials import Credentials
from api.errors import (
    REQUEST_ID,
    AccountLockedError,
    AuthenticationError,
    InsufficientBalanceError,
    RateLimitError,
)
from api.limits import client_address
from storage.models import Authorization, AuthOutcome
from storage.money import format_money
from storage.policy import LOCKED_UNTIL_UNBLOCKED, AccessPolicy

_BAD_CREDENTIALS = (
    "invalid username or API key: check both (the key is shown once, by /start in the "
    "Telegram bot); repeated failures lock the account"
)


def _locked(auth: Authorization, now: int) -> AccountLockedError:
    if auth.locked_until is None or auth.locked_until == LOCKED_UNTIL_UNBLOCKED:
        return AccountLockedError(
            "this account is locked after repeated failed requests; an admin must unblock it"
        )
    seconds = max(1, auth.locked_until - now)
    return AccountLockedError(
        f"this account is locked after repeated failed requests; it unlocks by itself in "
        f"{seconds} seconds, or an admin can unblock it sooner",
        headers={"Retry-After": str(seconds)},
    )


async def admit(request: web.Request, credentials: Credentials, hold: int) -> Authorization:
    """Pass the gate and hold `hold` units, or raise the error the client must see.

    `hold == 0` admits without a funds check (balance queries). The hold is taken under the
    request's id, which the call's usage record carries when it settles.
    """
    context = context_of(request)
    limiter = context.failed_auth
    address = client_address(request, limiter.trusted_proxies)
    if (wait := limiter.retry_after(address)) is not None:
        raise RateLimitError(
            f"too many failed authentications from your address: retry in {wait} seconds",
            headers={"Retry-After": str(wait)},
        )
    auth = await context.accounts.authorize(
        credentials.username, credentials.key, hold, request[REQUEST_ID]
    )
    outcome = auth.outcome
    if outcome is AuthOutcome.OK:
        return auth
    context.notices.after_gate(auth, context.clock())
    if outcome in (AuthOutcome.UNKNOWN, AuthOutcome.BAD_KEY):
        limiter.record_failure(address)
        raise AuthenticationError(_BAD_CREDENTIALS)
    if outcome is AuthOutcome.LOCKED:
        raise _locked(auth, context.clock())
    if outcome is AuthOutcome.RATE_LIMITED:
        wait = AccessPolicy.seconds_to_next_window(context.clock())
        raise RateLimitError(
            f"rate limit exceeded: {context.accounts.policy.requests_per_minute} requests a "
            f"minute (or your account's own limit); retry in {wait} seconds",
            headers={"Retry-After": str(wait)},
        )
    needed = format_money(hold, context.currency)
    balance = format_money(auth.balance, context.currency)
    raise InsufficientBalanceError(
        f"insufficient balance to run this request: it may cost up to {needed} (its maximum "
        f"output is priced in) and the balance is {balance}, less any calls still running; "
        "send a lower max_tokens to need less, or top up"
    )
