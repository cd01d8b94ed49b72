"""The service's money journal (`storage.money_journal`), held open while the app runs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from aiohttp import web

from storage.money_journal import MoneyJournal

#: The service's journal, while `journal_context` holds it open.
JOURNAL = web.AppKey("money_journal", MoneyJournal)


def journal_context(path: Path) -> Callable[[web.Application], AsyncIterator[None]]:
    """A `cleanup_ctx` entry that holds the journal at `path` open as `app[JOURNAL]`:
    append it before everything that keeps money in it (the settlements, the bot), so
    it closes after their last writes."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        journal = await asyncio.to_thread(MoneyJournal.open, path)
        app[JOURNAL] = journal
        try:
            yield
        finally:
            await asyncio.to_thread(journal.close)

    return context
