"""/usage: a user's last calls, their spend today and over 7 days, and a 14-day chart.

Invariants: read-only (storage's `UsageStore`); days are UTC days from the injected clock;
the model name is the only user-influenced value and is escaped; the chart is drawn in a
worker thread so a slow draw never stalls other users' updates. No history means a friendly
text and no chart.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, Message, User

from bot.chart import daily_spend_png
from bot.config import BotConfig
from bot.render import escape
from bot.texts import Texts
from storage.accounts import AccountStore
from storage.money import format_money
from storage.usage import CallSummary, UsageStore

RECENT_CALLS = 10
CHART_DAYS = 14
CHART_FILENAME = "usage.png"


def create_usage_router() -> Router:
    """A fresh router (one per dispatcher); private chats only, like every user command."""
    router = Router(name="usage")
    router.message.filter(F.chat.type == ChatType.PRIVATE)
    router.message.register(show_usage, Command("usage"))
    return router


def call_line(texts: Texts, call: CallSummary, currency: str) -> str:
    """One call: UTC time, model, what was charged, and whether it succeeded."""
    status = texts.usage_ok if call.status < 400 else texts.usage_failed.format(status=call.status)
    return texts.usage_call.format(
        time=datetime.fromtimestamp(call.created_at, UTC).strftime("%Y-%m-%d %H:%M"),
        model=escape(call.model),
        cost=format_money(call.cost, currency),
        status=status,
    )


def usage_summary(
    texts: Texts, calls: list[CallSummary], today: int, week: int, currency: str
) -> str:
    """The /usage text: the calls newest first, then the two totals."""
    lines = [texts.usage_recent.format(count=len(calls))]
    lines.extend(call_line(texts, call, currency) for call in calls)
    totals = texts.usage_totals.format(
        today=format_money(today, currency), week=format_money(week, currency)
    )
    return "\n".join(lines) + "\n\n" + totals


async def show_usage(
    message: Message,
    bot: Bot,
    accounts: AccountStore,
    usage: UsageStore,
    config: BotConfig,
    texts: Texts,
) -> None:
    await send_usage(bot, message.chat.id, message.from_user, accounts, usage, config, texts)


async def send_usage(
    bot: Bot,
    chat_id: int,
    user: User | None,
    accounts: AccountStore,
    usage: UsageStore,
    config: BotConfig,
    texts: Texts,
) -> None:
    """Text first, then the chart as a photo; an unregistered user is sent to /start.

    Shared by /usage and the Usage button under /start, so both always answer the same.
    """
    account = await accounts.by_telegram_id(user.id) if user is not None else None
    if account is None:
        await bot.send_message(chat_id, texts.not_registered)
        return
    calls = await usage.recent_calls(account.id, RECENT_CALLS)
    if not calls:
        await bot.send_message(chat_id, texts.usage_empty)
        return
    today = await usage.spent_over_days(account.id, 1)
    week = await usage.spent_over_days(account.id, 7)
    daily = await usage.daily_spend(account.id, CHART_DAYS)
    await bot.send_message(chat_id, usage_summary(texts, calls, today, week, config.currency))
    title = texts.usage_chart_title.format(currency=config.currency)
    png = await asyncio.to_thread(daily_spend_png, daily, title)
    photo = BufferedInputFile(png, filename=CHART_FILENAME)
    await bot.send_photo(chat_id, photo, caption=texts.usage_chart_caption)
