"""Top-up with Telegram Stars and /refund, through the production dispatcher.

Real Update objects (callback queries, pre-checkout queries, successful_payment service
messages, built as Telegram sends them) go to the real dispatcher; the Bot API calls the bot
makes (sendInvoice, answerPreCheckoutQuery, refundStarPayment, ...) are asserted as the fake
Telegram server recorded them.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.texts import ENGLISH, RUSSIAN
from tests.bot_harness import ADMIN_ID as ADMIN
from tests.bot_harness import BotHarness, buttons
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
from tests.fakes.telegram import (
    callback_update,
    message_update,
)


@pytest.fixture
def tested(bot_harness: BotHarness) -> BotHarness:
    return bot_harness


async def offer(tested: BotHarness, language: str = "en") -> dict[str, Any]:
    """Register alice and send /topup; return the message carrying the amount buttons."""
    await tested.register(USER, "alice")
    await tested.send(USER, "/topup", language_code=language)
    return tested.fake.sent_messages[-1]


async def test_topup_offers_the_configured_amounts_as_buttons(tested: BotHarness) -> None:
    message = await offer(tested)
    assert message["text"] == ENGLISH.topup_choose.format(rate="0.013 USD")
    assert list(buttons(message)) == [
        "50 ⭐ = 0.65 USD",
        "100 ⭐ = 1.30 USD",
        "250 ⭐ = 3.25 USD",
        "500 ⭐ = 6.50 USD",
    ]


async def test_topup_speaks_russian_to_russian_users(tested: BotHarness) -> None:
    message = await offer(tested, language="ru")
    assert message["text"] == RUSSIAN.topup_choose.format(rate="0.013 USD")


async def test_an_amount_button_sends_an_xtr_invoice_to_the_user(tested: BotHarness) -> None:
    message = await offer(tested)
    await press_amount(tested, message, "100 ⭐ = 1.30 USD")
    [invoice] = tested.fake.calls_to("sendInvoice")
    account = await tested.account("alice")
    assert invoice.params["chat_id"] == USER
    assert invoice.params["currency"] == "XTR"
    assert invoice.params.get("provider_token", "") == ""
    assert invoice.params["payload"] == f"topup:{account.id}:100"
    assert invoice.params["prices"] == [{"label": "100 Stars", "amount": 100}]
    assert "1.30 USD" in invoice.params["description"]


async def test_a_forged_amount_sends_no_invoice(tested: BotHarness) -> None:
    message = await offer(tested)
    update_id = tested.next_id()
    await tested.feed(callback_update(update_id, "q", USER, "topup:7", message))
    assert tested.fake.calls_to("sendInvoice") == []
    answer = tested.fake.calls_to("answerCallbackQuery")[-1]
    assert answer.params["text"] == ENGLISH.topup_bad_amount


async def test_topup_of_an_unregistered_user_points_to_start(tested: BotHarness) -> None:
    assert await tested.reply(USER, "/topup") == ENGLISH.not_registered


async def test_checkout_of_an_active_account_is_approved(tested: BotHarness) -> None:
    await tested.register(USER, "alice")
    account = await tested.account("alice")
    answer = await checkout(tested, f"topup:{account.id}:100")
    assert answer.params["ok"] is True
    assert "error_message" not in answer.params


@pytest.mark.parametrize("payload", ["topup:x:100", "other", "topup:999:100", "topup:1:50"])
async def test_checkout_with_a_payload_that_is_not_this_users_is_refused(
    tested: BotHarness, payload: str
) -> None:
    await tested.register(USER, "alice")
    answer = await checkout(tested, payload)
    assert answer.params["ok"] is False
    assert answer.params["error_message"] == ENGLISH.topup_refused_invalid


async def test_checkout_without_an_account_is_refused(tested: BotHarness) -> None:
    answer = await checkout(tested, "topup:1:100")
    assert answer.params["error_message"] == ENGLISH.topup_refused_unknown


async def test_a_payment_credits_rate_times_stars_and_sends_a_receipt(tested: BotHarness) -> None:
    await tested.register(USER, "alice")
    await pay(tested)
    assert (await tested.account("alice")).balance == TRIAL + PER_100_STARS
    assert await ledger(tested, "topup") == [PER_100_STARS]
    receipt = texts_sent(tested, USER)[-1]
    assert receipt == ENGLISH.topup_receipt.format(
        stars=100, credit="1.30 USD", balance="2.80 USD", charge_id=CHARGE
    )


async def test_a_repeated_payment_update_credits_nothing_more(tested: BotHarness) -> None:
    await tested.register(USER, "alice")
    await pay(tested)
    replies = len(texts_sent(tested, USER))
    await pay(tested)
    assert (await tested.account("alice")).balance == TRIAL + PER_100_STARS
    assert await ledger(tested, "topup") == [PER_100_STARS]
    assert len(texts_sent(tested, USER)) == replies


async def test_the_receipt_is_in_russian_for_russian_users(tested: BotHarness) -> None:
    await tested.register(USER, "alice")
    await pay(tested, language="ru")
    assert texts_sent(tested, USER)[-1].startswith("<b>Оплата получена")


async def test_an_admin_refund_returns_the_stars_and_reverses_once(tested: BotHarness) -> None:
    await tested.register(USER, "alice")
    await pay(tested)
    update_id = tested.next_id()
    await tested.feed(message_update(update_id, update_id, ADMIN, f"/refund {CHARGE}"))
    [call] = tested.fake.calls_to("refundStarPayment")
    assert call.params == {"user_id": USER, "telegram_payment_charge_id": CHARGE}
    assert (await tested.account("alice")).balance == TRIAL
    assert await ledger(tested, "refund") == [-PER_100_STARS]
    assert texts_sent(tested, ADMIN)[-1].startswith(f"Refunded <code>{CHARGE}</code>")
    assert texts_sent(tested, USER)[-1].startswith(f"Your payment <code>{CHARGE}</code>")
    history = await tested.storage.admin.history("alice")
    assert [(a.actor, a.action) for a in history] == [(f"telegram:{ADMIN}", "refund")]

    second = await tested.reply(ADMIN, f"/refund {CHARGE}")
    assert second == ENGLISH.refund_already.format(charge_id=CHARGE)
    assert len(tested.fake.calls_to("refundStarPayment")) == 1
    assert (await tested.account("alice")).balance == TRIAL


async def test_a_non_admin_cannot_refund(tested: BotHarness) -> None:
    await tested.register(USER, "alice")
    await pay(tested)
    assert await tested.reply(USER, f"/refund {CHARGE}") == ENGLISH.refund_not_admin
    russian = await tested.reply(USER, f"/refund {CHARGE}", language_code="ru")
    assert russian == RUSSIAN.refund_not_admin
    assert tested.fake.calls_to("refundStarPayment") == []
    assert (await tested.account("alice")).balance == TRIAL + PER_100_STARS


async def test_a_refund_of_spent_credit_is_refused_before_telegram(tested: BotHarness) -> None:
    await tested.register(USER, "alice")
    await pay(tested)
    await tested.storage.admin.credit("alice", -(TRIAL + 1), "spent", actor="cli")
    text = await tested.reply(ADMIN, f"/refund {CHARGE}")
    assert text == ENGLISH.refund_spent.format(
        charge_id=CHARGE, credit="1.30 USD", available="1.299999 USD"
    )
    assert tested.fake.calls_to("refundStarPayment") == []
    assert await ledger(tested, "refund") == []


async def test_a_refund_telegram_refuses_gives_the_credit_back(tested: BotHarness) -> None:
    await tested.register(USER, "alice")
    await pay(tested)
    tested.fake.refund_error = "CHARGE_NOT_FOUND"
    text = await tested.reply(ADMIN, f"/refund {CHARGE}")
    assert text.startswith(f"Telegram refused to refund <code>{CHARGE}</code>")
    assert (await tested.account("alice")).balance == TRIAL + PER_100_STARS
    assert await ledger(tested, "refund_undone") == [PER_100_STARS]


@pytest.mark.parametrize("command", ["/refund", "/refund a b"])
async def test_refund_without_one_charge_id_answers_its_usage(
    tested: BotHarness, command: str
) -> None:
    assert await tested.reply(ADMIN, command) == ENGLISH.refund_usage


async def test_a_refund_of_an_unknown_charge_says_so(tested: BotHarness) -> None:
    text = await tested.reply(ADMIN, "/refund nope")
    assert text == ENGLISH.refund_unknown.format(charge_id="nope")
