"""The admins' /stats through the production dispatcher: users, activity, calls, revenue,
and the provider keys benched lately (the console's other commands: test_bot_admin.py)."""

from __future__ import annotations

import pytest

from bot.texts import ENGLISH, RUSSIAN
from storage.upstream_keys import KeyStatus
from tests.bot_harness import ADMIN_ID as ADMIN
from tests.bot_harness import BotHarness
from tests.conftest import START
from tests.test_bot_admin import DAY, alice_with_history, spend


@pytest.fixture
def tested(bot_harness: BotHarness) -> BotHarness:
    return bot_harness


# --- /stats -----------------------------------------------------------------------------------


async def test_stats_count_users_activity_calls_and_revenue(tested: BotHarness) -> None:
    await alice_with_history(tested)
    await tested.register(43, "bob")
    await spend(tested, "bob", START - DAY, 70_000)
    await tested.storage.admin.create_account("partner", 0, actor="cli")
    tested.clock.now = START
    assert await tested.reply(ADMIN, "/stats") == ENGLISH.stats.format(
        users=3,
        active=1,
        calls_today=1,
        revenue_today="0.25 USD",
        calls_week=3,
        revenue_week="0.42 USD",
    )


async def test_stats_in_russian(tested: BotHarness) -> None:
    text = await tested.reply(ADMIN, "/stats", language_code="ru")
    assert text == RUSSIAN.stats.format(
        users=0,
        active=0,
        calls_today=0,
        revenue_today="0.00 USD",
        calls_week=0,
        revenue_week="0.00 USD",
    )


async def test_stats_with_arguments_shows_usage(tested: BotHarness) -> None:
    assert await tested.reply(ADMIN, "/stats today") == ENGLISH.stats_usage


async def test_stats_say_when_provider_keys_were_benched_and_why(tested: BotHarness) -> None:
    await tested.storage.upstream_keys.save(
        [
            KeyStatus("openai", "id-old", "sk-old…0000", START - 2 * DAY, START - 2 * DAY + 60),
            KeyStatus("openai", "id-a", "sk-aaa…1111", START - 600, START + 1200, "refused", 401),
            KeyStatus(
                "groq",
                "id-b",
                "gsk-bb…2222",
                START - 3600,
                None,
                "rate_limited",
                429,
                START - 3500,
            ),
        ],
        [],
    )
    text = await tested.reply(ADMIN, "/stats")
    figures, keys = text.split("\n\n")
    assert figures == ENGLISH.stats.format(
        users=0,
        active=0,
        calls_today=0,
        revenue_today="0.00 USD",
        calls_week=0,
        revenue_week="0.00 USD",
    )
    assert keys.splitlines() == [
        "<b>Provider keys</b> benched in the last 24 hours (UTC):",
        "openai <code>sk-aaa…1111</code>: benched at 2027-01-15 07:50 UTC until "
        "2027-01-15 08:20 UTC, refused (401)",
        "groq <code>gsk-bb…2222</code>: benched at 2027-01-15 07:00 UTC, rate limited (429); "
        "answering again since 2027-01-15 07:01 UTC",
    ]


async def test_stats_name_the_reasons_in_russian(tested: BotHarness) -> None:
    await tested.storage.upstream_keys.save(
        [KeyStatus("openai", "id-a", "sk-aaa…1111", START, START + 60, "quota", 429)], []
    )
    text = await tested.reply(ADMIN, "/stats", language_code="ru")
    assert "исчерпана квота (429)" in text
