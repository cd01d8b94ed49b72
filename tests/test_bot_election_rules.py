"""Polling by election (`bot.election`) in one process, with a leadership the test switches:
a replica polls only while it holds the leadership, stops when it is lost, and polls again
when it wins it back. (tests/test_bot_election.py runs two real replicas on PostgreSQL.)"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import pytest

from bot.election import elected_polling
from tests.bot_harness import BotHarness

USER = 42


class Switch:
    """A leadership that is held exactly while `granted`."""

    def __init__(self) -> None:
        self.granted = False
        self.released = 0

    async def try_acquire(self) -> bool:
        return self.granted

    async def still_held(self) -> bool:
        return self.granted

    async def release(self) -> None:
        self.released += 1


async def until(condition: Callable[[], bool], what: str) -> None:
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never: {what}")


async def test_a_replica_polls_only_while_it_holds_the_leadership(
    bot_harness: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    fake, switch = bot_harness.fake, Switch()
    async with elected_polling(
        bot_harness.bot, bot_harness.dispatcher, switch, interval_seconds=0.05
    ):
        assert fake.calls_to("getUpdates") == []  # not elected: the API only
        switch.granted = True
        await fake.wait_for_call("getUpdates")
        with caplog.at_level(logging.WARNING, logger="bot.election"):
            switch.granted = False
            await until(lambda: switch.released == 1, "the lost term ended")
        assert "lost the Telegram poller's lock" in caplog.text
        fake.push_update(fake.make_message_update(USER, "/help"))
        polls = len(fake.calls_to("getUpdates"))
        switch.granted = True  # won back: the update queued meanwhile is answered
        reply = await fake.wait_for_call("sendMessage", timeout=10)
        assert reply.params["chat_id"] == USER
        assert len(fake.calls_to("getUpdates")) > polls
    assert switch.released == 2  # the second term ended with the service
