"""Two replicas in `BOT_MODE=polling` on one PostgreSQL database: exactly one polls.

Telegram answers one getUpdates per token at a time, so the replicas elect the poller
(a PostgreSQL advisory lock, `storage.leader`): the other serves the API only, and takes
over by itself when the poller is killed. Which replica wins is up to the race; the test
finds out from the fake Bot API server, which records who made each call.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.fakes.telegram import serve_fake_telegram
from tests.replicas import Replicas, running_replicas

USER = 6001
#: How long a takeover may take: the election interval below, plus start-up of polling.
TAKEOVER_SECONDS = 15.0


@pytest.fixture
async def replicas(tmp_path: Path, postgres_url: str) -> AsyncIterator[Replicas]:
    async with (
        serve_fake_telegram() as (telegram, telegram_url),
        running_replicas(
            tmp_path,
            ("a", "b"),
            telegram,
            telegram_url,
            postgres_url,
            BOT_MODE="polling",
            POLLING_ELECTION_SECONDS="0.3",
        ) as started,
    ):
        yield started


async def until_logged(replicas: Replicas, via: str, text: str) -> None:
    """Poll the replica's log (bounded) until it says `text`."""
    log = replicas.services[via].log_path
    for _ in range(int(TAKEOVER_SECONDS * 10)):
        if text in log.read_text(errors="replace"):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"replica {via} never logged {text!r}")


async def answered_by(replicas: Replicas, via: str, update_id: int, text: str) -> None:
    """Queue a message for getUpdates; the reply must come from replica `via`."""
    mark = len(replicas.telegram.calls)
    update = replicas.telegram.make_message_update(USER, text, username="poll")
    replicas.telegram.push_update({**update, "update_id": update_id})
    reply = await replicas.next_call(mark, "sendMessage", via, timeout=TAKEOVER_SECONDS)
    assert reply.params["chat_id"] == USER
    # Confirmed to Telegram (the next poll's offset), so nobody takes it again.
    await replicas.next_call(
        mark,
        "getUpdates",
        via,
        lambda call: int(call.params.get("offset") or 0) > update_id,
        timeout=TAKEOVER_SECONDS,
    )


async def test_one_replica_polls_and_the_other_takes_over_when_it_dies(
    replicas: Replicas,
) -> None:
    first = await replicas.telegram.wait_for_call("getUpdates", timeout=TAKEOVER_SECONDS)
    leader = first.via
    [follower] = {"a", "b"} - {leader}
    await until_logged(replicas, follower, "another replica polls")
    async with httpx.AsyncClient() as client:  # the follower serves the API meanwhile
        health = await client.get(f"{replicas.services[follower].base_url}/health")
    assert health.status_code == 200
    await answered_by(replicas, leader, 1, "/start")
    assert replicas.calls_since(0, "getUpdates", follower) == []  # never two pollers

    replicas.services[leader].process.kill()
    await replicas.services[leader].process.wait()
    mark = len(replicas.telegram.calls)
    await replicas.next_call(mark, "getUpdates", follower, timeout=TAKEOVER_SECONDS)
    await answered_by(replicas, follower, 2, "/balance")
