"""/models through the production dispatcher and the fake Telegram: only the models this
service can call now, each with its price in the service's currency, paged to fit."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.models_command import ModelsPageCallback
from bot.models_pages import MESSAGE_LIMIT, models_pages
from bot.price_list import PriceList
from bot.texts import ENGLISH, RUSSIAN
from providers.catalog import load_catalog
from providers.registry import PROVIDER_NAMES
from tests.bot_harness import (
    BASE_URL,
    BotHarness,
    button_data,
    buttons,
    open_bot_harness,
    served_price_list,
)
from tests.clock import FakeClock
from tests.fakes.telegram import callback_update, plain_text

Message = dict[str, Any]
NAME = re.compile(r"<code>([^<]+)</code> · ")


@pytest.fixture
async def every_provider(sqlite_url: str, clock: FakeClock) -> AsyncIterator[BotHarness]:
    prices = served_price_list(*PROVIDER_NAMES)
    async with open_bot_harness(sqlite_url, clock, prices=prices) as bot:
        yield bot


async def all_pages(tested: BotHarness, user_id: int = 42, **user: Any) -> list[Message]:
    """/models, then "Next page" on each page until the last: every page, as Telegram kept it."""
    await tested.send(user_id, "/models", **user)
    pages = [tested.fake.sent_messages[-1]]
    while buttons(pages[-1]):
        [label] = buttons(pages[-1])
        call = await tested.press(user_id, pages[-1], label, **user)
        assert call.params["text"]
        pages.append(tested.fake.sent_messages[-1])
    return pages


def listed_names(pages: list[Message]) -> list[str]:
    return [name for page in pages for name in re.findall(r"^(\S+) · ", page["text"], re.M)]


async def test_only_models_whose_provider_is_configured_are_listed(
    sqlite_url: str, clock: FakeClock
) -> None:
    async with open_bot_harness(sqlite_url, clock, prices=served_price_list("anthropic")) as bot:
        names = listed_names(await all_pages(bot))
    catalog = load_catalog()
    assert "claude-3-5-haiku-latest" in names
    assert "echo" in names
    assert "gpt-4o-mini" not in names
    providers = {catalog.get(name).provider for name in names}
    assert providers == {"anthropic", "echo"}
    assert not any(catalog.get(name).unpriced for name in names)  # an unpriced one answers 503


async def test_pages_fit_telegram_and_list_each_callable_model_once(
    every_provider: BotHarness,
) -> None:
    pages = await all_pages(every_provider)
    assert len(pages) > 1
    names = listed_names(pages)
    expected = [model.name for model in every_provider.config.price_list.models]
    assert names == expected  # the fake refuses any page over 4096 characters
    assert len(names) == len(set(names))
    for number, page in enumerate(pages, start=1):
        assert page["text"].startswith(
            f"Models you can call now, prices in USD (page {number} of {len(pages)})"
        )
        assert f"Every price and limit: {BASE_URL}/v1/models" in page["text"]
    assert buttons(pages[-1]) == {}


async def test_a_pressed_page_loses_its_button(every_provider: BotHarness) -> None:
    await every_provider.send(42, "/models")
    first = every_provider.fake.sent_messages[-1]
    [label] = buttons(first)
    await every_provider.press(42, first, label)
    [removal] = every_provider.fake.calls_to("editMessageReplyMarkup")
    assert removal.params["message_id"] == first["message_id"]


async def test_each_kind_of_model_shows_its_price_in_the_services_currency(
    sqlite_url: str, clock: FakeClock
) -> None:
    prices = served_price_list(*PROVIDER_NAMES)
    async with open_bot_harness(sqlite_url, clock, prices=prices, currency="EUR") as bot:
        text = "\n".join(page["text"] for page in await all_pages(bot))
    assert (
        "gpt-4o-mini · 0.15 EUR per 1M input tokens, 0.60 EUR per 1M output tokens\n"
        # 16384 tokens at 0.60 per 1M is 0.0098304, rounded up to a unit
        "No max_tokens: holds 0.009831 EUR for up to 16384 output tokens, plus the prompt"
    ) in text
    assert "text-embedding-3-small · 0.02 EUR per 1M input tokens\n" in text
    assert "dall-e-3 · 0.04 EUR to 0.12 EUR per image, by size and quality" in text
    assert "stable-diffusion-v1-6 · 0.004 EUR per image" in text
    assert "tts-1 · 15.00 EUR per 1M characters" in text
    assert "whisper-1 · 0.006 EUR per minute of audio" in text


async def test_the_hold_shown_is_the_catalogs_output_bound(every_provider: BotHarness) -> None:
    """What a chat call without max_tokens holds for its answer, as the holds price it."""
    catalog = load_catalog()
    for model in every_provider.config.price_list.models:
        if model.answer_hold:
            listed = catalog.get(model.name)
            assert model.max_output_tokens == listed.max_output_tokens
            assert model.answer_hold == listed.cost(0, listed.max_output_tokens)


async def test_the_list_is_in_russian_for_a_russian_user(every_provider: BotHarness) -> None:
    pages = await all_pages(every_provider, language_code="ru")
    text = pages[0]["text"]
    assert text.startswith(f"Модели, доступные сейчас, цены в USD (страница 1 из {len(pages)})")
    assert "gpt-4o-mini · 0.15 USD за 1M входных токенов, 0.60 USD за 1M выходных" in text
    assert "Без max_tokens резервируется 0.009831 USD на ответ до 16384 токенов" in text
    assert set(buttons(pages[0])) == {f"Следующая страница (2 из {len(pages)})"}


async def test_a_forged_page_sends_nothing(every_provider: BotHarness) -> None:
    await every_provider.send(42, "/models")
    message = every_provider.fake.sent_messages[-1]
    before = len(every_provider.fake.sent_messages)
    data = ModelsPageCallback(page=999).pack()
    update_id = every_provider.next_id()
    await every_provider.feed(callback_update(update_id, "q", 42, data, message))
    assert len(every_provider.fake.sent_messages) == before
    assert every_provider.fake.calls_to("answerCallbackQuery")


async def test_nothing_callable_says_so(sqlite_url: str, clock: FakeClock) -> None:
    async with open_bot_harness(sqlite_url, clock, prices=PriceList()) as bot:
        text = await bot.reply(42, "/models")
    assert ENGLISH.models_none in text
    assert f"{BASE_URL}/docs" in text


async def test_anyone_may_read_the_list_before_registering(every_provider: BotHarness) -> None:
    text = await every_provider.reply(42, "/models")
    assert "gpt-4o-mini" in text
    assert await every_provider.accounts.by_telegram_id(42) is None


async def test_the_list_is_private_only(every_provider: BotHarness) -> None:
    reply = await every_provider.send(42, "/models", chat_type="supergroup")
    assert reply.params["text"] == ENGLISH.private_only


def test_every_page_fits_for_the_whole_catalog_in_both_languages() -> None:
    prices = served_price_list(*PROVIDER_NAMES)
    for texts in (ENGLISH, RUSSIAN):
        pages = models_pages(texts, prices, "USD", "https://" + "long." * 40 + "example")
        assert all(len(plain_text(page)) <= len(page) <= MESSAGE_LIMIT for page in pages)
        assert sum(len(NAME.findall(page)) for page in pages) == len(prices.models)


async def test_the_models_button_under_start_pages_too(every_provider: BotHarness) -> None:
    await every_provider.send(42, "/start")
    start = every_provider.fake.sent_messages[-1]
    call = await every_provider.press(42, start, "Models")
    assert str(call.params["text"]).startswith("<b>Models you can call now</b>")
    page = every_provider.fake.sent_messages[-1]
    assert button_data(page, next(iter(buttons(page)))) == ModelsPageCallback(page=1).pack()
