"""Whose fault an upstream failure is, and so what the failover does next (pure; no I/O).

- The key's: the provider refused the operator's key (401, 403, Gemini's 400
  `API_KEY_INVALID`), its money or quota ran out (402, OpenAI's `insufficient_quota`,
  Anthropic's `billing_error`), or it is rate limited (429). The key is benched (rested) and
  the same call goes to another key of the provider.
- Nobody's in particular: the provider failed (5xx) or could not be reached. The call is
  retried once on another key.
- The client's: any other answer (400, 404, 422...). Another key would get the same answer,
  so it goes back to the client at once.

How long a key rests: what the provider's `Retry-After` says (seconds or an HTTP date,
capped at the long rest), the default rest otherwise, and the long rest for a refused key
(its credentials will not heal by themselves: the operator must act).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime
from enum import StrEnum


class Blame(StrEnum):
    KEY = "key"
    PROVIDER = "provider"
    CLIENT = "client"


class BenchReason(StrEnum):
    """Why a key rests; stored with it and shown to operators."""

    REFUSED = "refused"  # 401/403: the credentials themselves
    QUOTA = "quota"  # 402, insufficient_quota: out of money or quota
    RATE_LIMITED = "rate_limited"  # 429
    UNREACHABLE = "unreachable"  # its address or proxy did not answer


@dataclass(frozen=True, slots=True)
class BenchRules:
    """The rests, in seconds: `default` when the provider gives no Retry-After, `refused`
    for a refused key (and the cap on any Retry-After)."""

    default: int = 60
    refused: int = 1800


@dataclass(frozen=True, slots=True)
class Fault:
    """One failed attempt judged: who is to blame, and for a key, why and for how long."""

    blame: Blame
    reason: BenchReason | None = None
    rest_seconds: int = 0


#: An account out of money or quota (OpenAI's `code`, Anthropic's `error.type`); Google's 429
#: RESOURCE_EXHAUSTED is left out: it also means a per-minute rate limit.
_QUOTA_CODES = frozenset({"insufficient_quota", "billing_hard_limit_reached", "billing_error"})
_INVALID_KEY_REASONS = frozenset({"API_KEY_INVALID", "API_KEY_EXPIRED"})


def _error_fields(body: bytes) -> set[str]:
    """The error's `code`, `type`, `status` and detail `reason` strings, wherever a provider
    puts them (OpenAI, Anthropic, Google)."""
    try:
        data = json.loads(body)
    except ValueError:
        return set()
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        return set()
    found = {error.get(name) for name in ("code", "type", "status")}
    details = error.get("details")
    if isinstance(details, list):
        found.update(d.get("reason") for d in details if isinstance(d, dict))
    return {value for value in found if isinstance(value, str)}


def retry_after_seconds(value: str | None, now: int) -> int | None:
    """`Retry-After` as whole seconds from `now` (it may be seconds or an HTTP date)."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return int(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0, int(when.timestamp()) - now)


def _rest(retry_after: str | None, now: int, rules: BenchRules) -> int:
    seconds = retry_after_seconds(retry_after, now)
    if seconds is None:
        return rules.default
    return min(max(seconds, 1), rules.refused)


def account_exhausted(status: int, body: bytes) -> bool:
    """The operator's provider account is out of funds or quota: a 402, or a 4xx naming it
    (OpenAI answers `insufficient_quota` with a 429, which retrying never cures)."""
    return status == 402 or (400 <= status < 500 and bool(_error_fields(body) & _QUOTA_CODES))


def judge(status: int, body: bytes, retry_after: str | None, now: int, rules: BenchRules) -> Fault:
    """The fault of an attempt the provider answered with `status` (not 2xx)."""
    fields = _error_fields(body) if 400 <= status < 500 else set()
    if status in (401, 403) or (status == 400 and fields & _INVALID_KEY_REASONS):
        return Fault(Blame.KEY, BenchReason.REFUSED, rules.refused)
    if status == 402 or fields & _QUOTA_CODES:
        return Fault(Blame.KEY, BenchReason.QUOTA, _rest(retry_after, now, rules))
    if status == 429:
        return Fault(Blame.KEY, BenchReason.RATE_LIMITED, _rest(retry_after, now, rules))
    if status >= 500:
        return Fault(Blame.PROVIDER)
    return Fault(Blame.CLIENT)


def unreachable(rules: BenchRules) -> Fault:
    """A key whose address (or proxy) could not be reached rests, and the call moves on."""
    return Fault(Blame.PROVIDER, BenchReason.UNREACHABLE, rules.default)
