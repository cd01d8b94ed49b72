"""The operator's messages and the parsing of their arguments: pure functions, no I/O.

Invariant (as in `bot.render`): every value a user could have chosen (usernames, reasons,
notes) is escaped here, where it meets HTML; handlers pass raw values.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from bot.render import escape, format_utc, lock_status
from bot.texts import Texts
from storage.models import Account
from storage.money import format_money, to_units
from storage.reports import ServiceStats, Spend
from storage.upstream_keys import KeyStatus

#: Units are 10^-6 of the currency, so a finer amount cannot be credited exactly.
MAX_DECIMALS = 6
#: A bound far above any real top-up that keeps every sum well inside a signed 64-bit column.
MAX_CREDIT = Decimal(1_000_000_000)


def parse_amount(text: str) -> int | None:
    """A non-zero decimal amount of currency as units, or None when it is not one.

    NaN, infinities, more than six decimals (never rounded: the operator typed a value the
    ledger could not hold exactly) and amounts beyond `MAX_CREDIT` are refused.
    """
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    if not amount.is_finite():
        return None
    exponent = amount.as_tuple().exponent
    if not isinstance(exponent, int) or exponent < -MAX_DECIMALS or abs(amount) > MAX_CREDIT:
        return None
    units = to_units(amount)
    return units or None


def signed_money(units: int, currency: str) -> str:
    """An adjustment with its direction always visible: `+2.50 USD`, `-0.40 USD`."""
    text = format_money(units, currency)
    return text if units < 0 else f"+{text}"


def blocked_notice(texts: Texts, account: Account, reason: str | None) -> str:
    """What the blocked user is told, in their language, with the admin's reason if given."""
    lines = [texts.blocked_notice.format(username=escape(account.username))]
    if reason:
        lines.append(texts.blocked_reason.format(reason=escape(reason)))
    return "\n\n".join(lines)


def _seen(texts: Texts, last_seen_at: int | None) -> str:
    if last_seen_at is None:
        return texts.user_never_seen
    return texts.user_last_seen.format(when=format_utc(last_seen_at))


def user_report(
    texts: Texts, account: Account, spend: Spend, now: int, lock_strikes: int, currency: str
) -> str:
    """Everything an operator checks first about one account, one fact per line."""
    telegram = (
        texts.user_no_telegram
        if account.telegram_id is None
        else texts.user_telegram.format(telegram_id=account.telegram_id)
    )
    return "\n".join(
        [
            texts.user_title.format(username=escape(account.username)),
            telegram,
            texts.user_money.format(
                balance=format_money(account.balance, currency),
                reserved=format_money(account.reserved, currency),
            ),
            texts.account_strikes.format(strikes=account.strikes, limit=lock_strikes),
            lock_status(texts, account, now),
            texts.user_key_prefix.format(prefix=escape(account.key_prefix)),
            texts.user_registered.format(when=format_utc(account.created_at)),
            _seen(texts, account.last_seen_at),
            texts.user_spend.format(
                today=format_money(spend.today, currency),
                week=format_money(spend.week, currency),
                total=format_money(spend.total, currency),
            ),
        ]
    )


def key_reason(texts: Texts, reason: str | None, status: int | None) -> str:
    """Why a key rested, in the reader's language, with the provider's status if it gave one."""
    names = {
        "refused": texts.key_reason_refused,
        "quota": texts.key_reason_quota,
        "rate_limited": texts.key_reason_rate_limited,
        "unreachable": texts.key_reason_unreachable,
    }
    text = names.get(reason or "", escape(reason or "?"))
    return f"{text} ({status})" if status else text


def _key_line(texts: Texts, key: KeyStatus) -> str:
    values = {
        "provider": escape(key.provider),
        "label": escape(key.label),
        "since": format_utc(key.benched_at or 0),
        "reason": key_reason(texts, key.reason, key.status),
    }
    if key.benched_until is None and key.recovered_at is not None:
        return texts.stats_key_back.format(**values, back=format_utc(key.recovered_at))
    return texts.stats_key_benched.format(**values, until=format_utc(key.benched_until or 0))


def service_report(
    texts: Texts, stats: ServiceStats, currency: str, benches: Sequence[KeyStatus] = ()
) -> str:
    """The service's day and week, then (only when there were any) the provider keys
    benched lately, each with when and why."""
    report = texts.stats.format(
        users=stats.users,
        active=stats.active_today,
        calls_today=stats.calls_today,
        revenue_today=format_money(stats.revenue_today, currency),
        calls_week=stats.calls_week,
        revenue_week=format_money(stats.revenue_week, currency),
    )
    if not benches:
        return report
    lines = [texts.stats_keys, *(_key_line(texts, key) for key in benches)]
    return report + "\n\n" + "\n".join(lines)
