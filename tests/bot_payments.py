"""Top-up with Telegram Stars as a user does it (amount button, checkout, payment), shared by
the payment tests and the top-up-while-locked tests."""

from __future__ import annotations

from typing import Any

from tests.bot_harness import BotHarness, buttons
from tests.fakes.telegram import (
    Call,
    callback_update,
    pre_checkout_update,
    successful_payment_update,
)

USER = 42
CHARGE = "stxPAID-0001"
TRIAL = 1_500_000  # the harness's trial credit: 1.50 USD
PER_100_STARS = 1_300_000  # 100 Stars at the default STARS_RATE 0.013


async def press_amount(tested: BotHarness, message: dict[str, Any], label: str) -> None:
    update_id = tested.next_id()
    data = buttons(message)[label]
    await tested.feed(callback_update(update_id, f"q{update_id}", USER, data, message))


async def pay(
    tested: BotHarness, stars: int = 100, charge: str = CHARGE, language: str = "en"
) -> None:
    account = await tested.account("alice")
    update_id = tested.next_id()
    payload = f"topup:{account.id}:{stars}"
    await tested.feed(
        successful_payment_update(
            update_id, update_id, USER, payload, stars, charge, language_code=language
        )
    )


async def checkout(tested: BotHarness, payload: str, stars: int = 100) -> Call:
    update_id = tested.next_id()
    await tested.feed(pre_checkout_update(update_id, f"pc{update_id}", USER, payload, stars))
    return tested.fake.calls_to("answerPreCheckoutQuery")[-1]


async def ledger(tested: BotHarness, kind: str) -> list[int]:
    rows = await tested.storage.database.fetch_all(
        "SELECT amount FROM ledger WHERE kind = :kind ORDER BY id", {"kind": kind}
    )
    return [int(row["amount"]) for row in rows]


def texts_sent(tested: BotHarness, chat_id: int) -> list[str]:
    calls = tested.fake.calls_to("sendMessage")
    return [str(c.params["text"]) for c in calls if c.params["chat_id"] == chat_id]
