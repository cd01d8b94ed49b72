"""The access gate: the seed's rules, turned into HTTP answers.

The decision itself is one atomic statement in storage (`AccountStore.authorize`); this
module maps its verdict to an error. What a probe (someone holding a username but not its
key) can learn is pinned here:

- an unknown username, an unknown key, a wrong key, and a wrong key for a locked account all
  get the one same answer (401, same message, same headers), and count against the client
  address's limit of failed authentications alike, so past it they get the same 429;
- only the right key learns of a lock (403) or of the balance (402).

The per-address limit is judged after the database's verdict, so a right key from a
throttled address is served, and in one synchronous step (`FailedAuthLimiter.fail`), so
attempts sent at once cannot get more 401s than the limit.
"""

from __future__ import annotations

from aiohttp import web

from api.context import context_of
from api.credentials import Credentials
from api.errors import (
    REQUEST_ID,
    AccountLockedError,
    ApiError,
    AuthenticationError,
    InsufficientBalanceError,
    RateLimitError,
)
from api.limits import FailedAuthLimiter, client_address
from api.observe import note_verdict
from storage.errors import DatabaseUnavailableError
from storage.models import Authorization, AuthOutcome
from storage.money import format_money
from storage.policy import LOCKED_UNTIL_UNBLOCKED, AccessPolicy

_BAD_CREDENTIALS = (
    "invalid username or API key: check both (the key is shown once, by /start in the "
    "Telegram bot); repeated failures lock the account"
)
#: The verdicts a probe may cause: each must answer exactly like an unknown username.
_WRONG_CREDENTIALS = frozenset(
    {AuthOutcome.UNKNOWN, AuthOutcome.BAD_KEY, AuthOutcome.LOCKED_BAD_KEY}
)


def _lock_ends(auth: Authorization, now: int) -> int | None:
    """Seconds until the account's lock ends by itself; None for a lock until unblocked."""
    if auth.locked_until is None or auth.locked_until == LOCKED_UNTIL_UNBLOCKED:
        return None
    return max(1, auth.locked_until - now)


def _locked(auth: Authorization, now: int) -> AccountLockedError:
    seconds = _lock_ends(auth, now)
    if seconds is None:
        return AccountLockedError(
            "this account is locked after repeated failed requests; an admin must unblock it"
        )
    return AccountLockedError(
        f"this account is locked after repeated failed requests; it unlocks by itself in "
        f"{seconds} seconds, or an admin can unblock it sooner",
        headers={"Retry-After": str(seconds)},
    )


def _wrong_credentials(request: web.Request, limiter: FailedAuthLimiter) -> ApiError:
    """401, or 429 past the address's limit: never anything about the account."""
    wait = limiter.fail(client_address(request, limiter.trusted_proxies))
    if wait is None:
        return AuthenticationError(_BAD_CREDENTIALS)
    return RateLimitError(
        f"too many failed authentications from your address: retry in {wait} seconds",
        headers={"Retry-After": str(wait)},
    )


def _strikes_note(auth: Authorization, policy: AccessPolicy, now: int) -> str:
    """What this no-funds strike means for the lock: how many are left, or that it locked."""
    if auth.locked_until is not None:
        seconds = _lock_ends(auth, now)
        span = "until an admin unblocks it" if seconds is None else f"for {seconds} seconds"
        return (
            f"this was failed request {auth.strikes} in a row, so the account is now locked "
            f"{span}; a top-up lifts this lock"
        )
    left = max(1, policy.lock_strikes - auth.strikes)
    requests, verb = ("request", "locks") if left == 1 else ("requests", "lock")
    return f"{left} more failed {requests} in a row {verb} the account"


#: How to ask for less on each route family, in the words its own API uses; by path part.
_LESS_BY_PATH = (
    ("/anthropic/", "send a lower max_tokens"),
    ("/google/", "send a lower generationConfig.maxOutputTokens"),
    ("/responses", "send a lower max_output_tokens (with built-in tools, a lower max_tool_calls)"),
    ("/chat/completions", "send a lower max_completion_tokens (or max_tokens)"),
    ("/completions", "send a lower max_tokens"),
    ("/images", "ask for fewer or smaller images"),
    ("/stability/", "ask for fewer or smaller images"),
)


def how_to_need_less(path: str) -> str:
    """The advice a 402 gives on `path`: the parameter that lowers this route's hold."""
    for part, advice in _LESS_BY_PATH:
        if part in path:
            return advice
    return "send a shorter input"


def _no_funds(auth: Authorization, hold: int, request: web.Request) -> InsufficientBalanceError:
    context = context_of(request)
    needed = format_money(hold, context.currency)
    balance = format_money(auth.balance, context.currency)
    note = _strikes_note(auth, context.accounts.policy, context.clock())
    return InsufficientBalanceError(
        f"insufficient balance to run this request: it may cost up to {needed} (its maximum "
        f"output is priced in) and the balance is {balance}, less any calls still running; "
        f"{how_to_need_less(request.path)} to need less, or top up with /topup in the "
        f"Telegram bot; {note}"
    )


async def admit(request: web.Request, credentials: Credentials, hold: int) -> Authorization:
    """Pass the gate and hold `hold` units, or raise the error the client must see.

    `hold == 0` admits without a funds check (balance queries). The hold is taken under the
    request's id, which the call's usage record carries when it settles. Nothing is
    admitted while settlements of this process wait for the database (`api.settlements`).
    """
    context = context_of(request)
    alarm = context.outage_alarm
    try:
        await context.settlements.ensure_written()
        auth = await context.accounts.authorize(
            credentials.username, credentials.key, hold, request[REQUEST_ID]
        )
    except DatabaseUnavailableError as error:
        alarm.seen(error)
        raise
    if alarm.away_since is not None:  # `answered` checks it too; this spares every call a call
        alarm.answered()
    note_verdict(request, credentials.key, auth)
    outcome = auth.outcome
    if outcome is AuthOutcome.OK:
        return auth
    now = context.clock()
    context.notices.after_gate(auth, now)
    if outcome in _WRONG_CREDENTIALS:
        raise _wrong_credentials(request, context.failed_auth)
    if outcome is AuthOutcome.LOCKED:
        raise _locked(auth, now)
    if outcome is AuthOutcome.RATE_LIMITED:
        wait = AccessPolicy.seconds_to_next_window(now)
        raise RateLimitError(
            f"rate limit exceeded: {context.accounts.policy.requests_per_minute} requests a "
            f"minute (or your account's own limit); retry in {wait} seconds",
            headers={"Retry-After": str(wait)},
        )
    raise _no_funds(auth, hold, request)
