"""/usage: the last 10 calls, spend today and over 7 UTC days, and a 14-day PNG chart.

Same set-up as test_bot_commands: real Update objects fed to the production dispatcher, real
SQLite storage, the bot's calls (sendMessage, sendPhoto with its upload) recorded by the fake
Telegram server over loopback HTTP. Calls are recorded the way the API records them
(`finish_call`), at times set on the injected clock.
"""

from __future__ import annotations

import io
import re
import struct

import pytest
from PIL import Image

from bot.chart import CHART_HEIGHT, CHART_WIDTH, daily_spend_png
from bot.texts import ENGLISH, RUSSIAN
from storage.models import CallRecord
from storage.usage import SECONDS_PER_DAY, DailySpend, day_start
from tests.bot_harness import BotHarness
from tests.conftest import START, FakeClock
from tests.fakes.telegram import Call

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TODAY = day_start(START)  # 2027-01-15 00:00 UTC
NOON = TODAY + 12 * 3600


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOON)


async def record_call(
    tested: BotHarness, when: int, model: str, cost: int, status: int = 200
) -> None:
    """A finished call of alice's at `when`, charged `cost` units."""
    account = await tested.account("alice")
    now, tested.clock.now = tested.clock.now, when
    await tested.accounts.finish_call(
        CallRecord(f"req-{when}-{model}", account.id, "/v1/chat/completions", "openai", model,
                   status, 10, 20, cost, 0, 5)
    )  # fmt: skip
    tested.clock.now = now


async def usage(tested: BotHarness, language_code: str = "en") -> tuple[str, Call]:
    """Send /usage; return the text reply and the sendPhoto call that followed it."""
    text = await tested.reply(42, "/usage", language_code=language_code)
    [photo] = tested.fake.calls_to("sendPhoto")
    return text, photo


def uploaded(call: Call, field: str) -> bytes:
    """The bytes a field refers to: aiogram uploads a file as `attach://<name>`."""
    reference = str(call.params[field])
    assert reference.startswith("attach://")
    return call.files[reference.removeprefix("attach://")]


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, the first chunk of every PNG."""
    assert png[:8] == PNG_SIGNATURE
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


async def test_usage_lists_the_last_ten_calls_newest_first(bot_harness: BotHarness) -> None:
    await bot_harness.register(42, "alice")
    for minute in range(12):
        await record_call(bot_harness, NOON - 3600 + minute * 60, f"model-{minute}", 1000)
    text, _ = await usage(bot_harness)
    assert re.findall(r"model-\d+", text) == [f"model-{n}" for n in range(11, 1, -1)]
    assert ENGLISH.usage_recent.format(count=10) in text
    assert "2027-01-15 11:11 · <code>model-11</code> · 0.001 USD · ok" in text


async def test_usage_sums_today_and_the_last_seven_utc_days(bot_harness: BotHarness) -> None:
    await bot_harness.register(42, "alice")
    await record_call(bot_harness, TODAY - 7 * SECONDS_PER_DAY, "too-old", 400_000)
    await record_call(bot_harness, TODAY - 6 * SECONDS_PER_DAY, "week", 250_000)
    await record_call(bot_harness, TODAY - 1, "yesterday", 100_000)
    await record_call(bot_harness, TODAY, "today", 20_000)
    await record_call(bot_harness, NOON, "today", 3_000)
    text, _ = await usage(bot_harness)
    assert ENGLISH.usage_totals.format(today="0.023 USD", week="0.373 USD") in text


async def test_failed_calls_show_their_status(bot_harness: BotHarness) -> None:
    await bot_harness.register(42, "alice")
    await record_call(bot_harness, NOON, "gpt-4o-mini", 0, status=502)
    text, _ = await usage(bot_harness)
    assert "· <code>gpt-4o-mini</code> · 0.00 USD · failed (502)" in text


async def test_model_names_are_html_escaped(bot_harness: BotHarness) -> None:
    await bot_harness.register(42, "alice")
    await record_call(bot_harness, NOON, "<b>x</b>&", 1)
    text, _ = await usage(bot_harness)
    assert "<code>&lt;b&gt;x&lt;/b&gt;&amp;</code>" in text


async def test_chart_is_a_png_of_the_expected_size_sent_to_the_user(
    bot_harness: BotHarness,
) -> None:
    await bot_harness.register(42, "alice")
    await record_call(bot_harness, NOON, "gpt-4o-mini", 1_000_000)
    _, photo = await usage(bot_harness)
    assert photo.params["chat_id"] == 42
    assert photo.params["caption"] == ENGLISH.usage_chart_caption
    png = uploaded(photo, "photo")
    assert png_size(png) == (CHART_WIDTH, CHART_HEIGHT)
    with Image.open(io.BytesIO(png)) as image:
        assert (image.format, image.size) == ("PNG", (CHART_WIDTH, CHART_HEIGHT))


async def test_chart_comes_after_the_text(bot_harness: BotHarness) -> None:
    await bot_harness.register(42, "alice")
    await record_call(bot_harness, NOON, "gpt-4o-mini", 1)
    await usage(bot_harness)
    methods = [call.method for call in bot_harness.fake.calls]
    assert methods[-2:] == ["sendMessage", "sendPhoto"]


async def test_usage_in_russian(bot_harness: BotHarness) -> None:
    await bot_harness.register(42, "alice")
    await record_call(bot_harness, NOON, "gpt-4o-mini", 0, status=500)
    text, photo = await usage(bot_harness, "ru")
    assert RUSSIAN.usage_recent.format(count=1) in text
    assert "ошибка (500)" in text
    assert RUSSIAN.usage_totals.format(today="0.00 USD", week="0.00 USD") in text
    assert photo.params["caption"] == RUSSIAN.usage_chart_caption


async def test_empty_history_is_a_friendly_text_and_no_chart(bot_harness: BotHarness) -> None:
    await bot_harness.register(42, "alice")
    assert await bot_harness.reply(42, "/usage") == ENGLISH.usage_empty
    assert await bot_harness.reply(42, "/usage", language_code="ru") == RUSSIAN.usage_empty
    assert bot_harness.fake.calls_to("sendPhoto") == []


async def test_usage_without_an_account_points_to_start(bot_harness: BotHarness) -> None:
    assert await bot_harness.reply(42, "/usage") == ENGLISH.not_registered
    assert await bot_harness.reply(42, "/usage", language_code="ru") == RUSSIAN.not_registered
    assert bot_harness.fake.calls_to("sendPhoto") == []


async def test_usage_shows_only_the_users_own_calls(bot_harness: BotHarness) -> None:
    await bot_harness.register(42, "alice")
    await bot_harness.register(43, "bob")
    await record_call(bot_harness, NOON, "alices-model", 1)
    assert await bot_harness.reply(43, "/usage") == ENGLISH.usage_empty


async def test_help_mentions_usage_and_lang(bot_harness: BotHarness) -> None:
    for language_code in ("en", "ru"):
        text = await bot_harness.reply(42, "/help", language_code=language_code)
        assert "/usage" in text
        assert "/lang" in text


def test_chart_of_empty_days_is_still_the_expected_size() -> None:
    days = [DailySpend(TODAY - n * SECONDS_PER_DAY, 0) for n in range(13, -1, -1)]
    assert png_size(daily_spend_png(days, "Расходы")) == (CHART_WIDTH, CHART_HEIGHT)
