"""Money in while locked, through the production dispatcher and the fake Telegram.

A lock never stops a top-up: the amounts are offered, the invoice sent, the checkout
approved and the payment credited. When only no-funds strikes caused the lock, the payment
lifts it and the receipt says so; a lock that wrong keys caused stays, and the receipt says
that too. A successful_payment in another currency than Stars is never credited.
"""

from __future__ import annotations

import pytest

from bot.texts import ENGLISH, RUSSIAN
from tests.bot_harness import BotHarness
from tests.bot_payments import (
    CHARGE,
    PER_100_STARS,
    TRIAL,
    USER,
    checkout,
    ledger,
    pay,
    press_amount,
    texts_sent,
)
from tests.fakes.telegram import successful_payment_update


@pytest.fixture
def tested(bot_harness: BotHarness) -> BotHarness:
    return bot_harness


async def lock_for_no_funds(tested: BotHarness, key: str) -> None:
    """The policy's number of calls in a row that each need more than the balance."""
    for _ in range(tested.accounts.policy.lock_strikes):
        await tested.accounts.authorize("alice", key, TRIAL + 1)
    assert (await tested.account("alice")).is_locked(tested.clock())


async def test_a_locked_account_is_offered_the_amounts_and_sent_the_invoice(
    tested: BotHarness,
) -> None:
    await tested.register(USER, "alice")
    await tested.lock("alice")
    await tested.send(USER, "/topup")
    message = tested.fake.sent_messages[-1]
    assert message["text"] == ENGLISH.topup_choose.format(rate="0.013 USD")
    await press_amount(tested, message, "100 ⭐ = 1.30 USD")
    [invoice] = tested.fake.calls_to("sendInvoice")
    assert invoice.params["chat_id"] == USER
    assert invoice.params["currency"] == "XTR"


async def test_checkout_of_an_admin_blocked_account_is_approved(tested: BotHarness) -> None:
    await tested.register(USER, "alice")
    account = await tested.storage.admin.block("alice", actor="cli")
    answer = await checkout(tested, f"topup:{account.id}:100")
    assert answer.params["ok"] is True


@pytest.mark.parametrize("language", ["en", "ru"])
async def test_a_payment_lifts_a_no_funds_lock_and_says_so(
    tested: BotHarness, language: str
) -> None:
    key = await tested.register(USER, "alice")
    await lock_for_no_funds(tested, key)
    await pay(tested, language=language)
    account = await tested.account("alice")
    assert account.balance == TRIAL + PER_100_STARS
    assert not account.is_locked(tested.clock())
    texts = ENGLISH if language == "en" else RUSSIAN
    receipt = texts.topup_receipt.format(
        stars=100, credit="1.30 USD", balance="2.80 USD", charge_id=CHARGE
    )
    assert texts_sent(tested, USER)[-1] == f"{receipt}\n\n{texts.topup_lock_lifted}"
    assert (await tested.accounts.authorize("alice", key, 1)).outcome == "ok"


@pytest.mark.parametrize("language", ["en", "ru"])
async def test_a_payment_is_credited_but_lifts_no_wrong_key_lock(
    tested: BotHarness, language: str
) -> None:
    await tested.register(USER, "alice")
    await tested.lock("alice")
    await pay(tested, language=language)
    account = await tested.account("alice")
    assert account.balance == TRIAL + PER_100_STARS
    assert account.is_locked(tested.clock())
    texts = ENGLISH if language == "en" else RUSSIAN
    assert texts_sent(tested, USER)[-1].endswith(f"\n\n{texts.topup_still_locked}")


async def test_a_payment_in_another_currency_is_never_credited(tested: BotHarness) -> None:
    await tested.register(USER, "alice")
    account = await tested.account("alice")
    replies = len(texts_sent(tested, USER))
    update_id = tested.next_id()
    await tested.feed(
        successful_payment_update(
            update_id, update_id, USER, f"topup:{account.id}:100", 100, CHARGE, currency="USD"
        )
    )
    assert (await tested.account("alice")).balance == TRIAL
    assert await ledger(tested, "topup") == []
    assert await tested.storage.database.fetch_all("SELECT charge_id FROM payments") == []
    assert len(texts_sent(tested, USER)) == replies


async def test_topup_offers_amounts_to_a_locked_account_in_russian(tested: BotHarness) -> None:
    await tested.register(USER, "alice")
    await tested.lock("alice")
    await tested.send(USER, "/topup", language_code="ru")
    message = tested.fake.sent_messages[-1]
    assert message["text"] == RUSSIAN.topup_choose.format(rate="0.013 USD")
