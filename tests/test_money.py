"""Money formatting and conversion: integer units in, exact decimals out."""

from __future__ import annotations

from decimal import Decimal

import pytest

from storage.money import format_money, to_decimal, to_units


@pytest.mark.parametrize(
    ("units", "text"),
    [(0, "0.00 USD"), (1_500_000, "1.50 USD"), (123, "0.000123 USD"), (-5, "-0.000005 USD")],
)
def test_format_money(units: int, text: str) -> None:
    assert format_money(units, "USD") == text


def test_conversion_round_trips_and_rounds_up() -> None:
    assert to_units(Decimal("1.234567")) == 1_234_567
    assert to_units(Decimal("0.0000001")) == 1
    assert to_decimal(1_234_567) == Decimal("1.234567")
