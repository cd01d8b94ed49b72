"""Money as integer minor units: 1 unit = 10^-6 of the configured currency, never a float."""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

UNITS_PER_CURRENCY = 1_000_000


def to_units(amount: Decimal) -> int:
    """Convert a decimal amount of currency into whole units, rounding up (costs never lose)."""
    return int((amount * UNITS_PER_CURRENCY).to_integral_value(rounding=ROUND_CEILING))


def to_decimal(units: int) -> Decimal:
    """The exact decimal amount for `units`, e.g. 1_234_500 -> Decimal('1.2345')."""
    return (Decimal(units) / UNITS_PER_CURRENCY).normalize() if units else Decimal(0)


def format_money(units: int, currency: str) -> str:
    """A human amount with at least two decimals: `1.50 USD`, `0.000123 USD`."""
    amount = to_decimal(units)
    exponent = amount.as_tuple().exponent
    places = max(2, -exponent if isinstance(exponent, int) else 2)
    return f"{amount:.{places}f} {currency}"
