"""The bench's floor keeps the money rules it stands for: its gate statement holds, its
settlement statement charges the usage and releases the hold (whole answers and streams
alike), a call that fails after the gate is free with its hold released, and a key that
opens no account reaches neither the provider nor any balance."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import BaseTestServer, TestServer

from bench.databases import PreparedDatabase, prepared_database
from bench.floor import build_app
from bench.options import ServiceSpec
from storage.keys import hash_key
from tests.fakes.upstream import FakeUpstream

SPEC = ServiceSpec("floor", accounts=2, history_rows=0, users=2)
HELLO: dict[str, object] = {
    "model": "gpt-4o-mini",
    "messages": [{"role": "user", "content": "hi"}],
}


@pytest.fixture
async def seeded(tmp_path: Path) -> AsyncIterator[PreparedDatabase]:
    async with prepared_database(SPEC, None, tmp_path, tmp_path / "seeded") as database:
        yield database


def _path(database: PreparedDatabase) -> Path:
    return Path(database.url.removeprefix("sqlite:///"))


def _accounts(path: Path) -> list[tuple[int, int, int, int]]:
    """(balance, reserved, strikes, ledger sum) of every account, by id."""
    with sqlite3.connect(path) as connection:
        return connection.execute(
            "SELECT balance, reserved, strikes, (SELECT SUM(amount) FROM ledger"
            " WHERE account_id = accounts.id) FROM accounts ORDER BY id"
        ).fetchall()


def _account_index(path: Path, key: str) -> int:
    with sqlite3.connect(path) as connection:
        hashes = [
            row[0] for row in connection.execute("SELECT key_hash FROM accounts ORDER BY id")
        ]
    return hashes.index(hash_key(key))


async def _post(server: BaseTestServer, key: str, body: dict[str, object]) -> tuple[int, bytes]:
    url = server.make_url("/v1/chat/completions")
    headers = {"Authorization": f"Bearer {key}"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json=body, headers=headers) as answer,
    ):
        return answer.status, await answer.read()


@pytest.mark.parametrize("stream", [False, True])
async def test_a_call_is_held_then_charged_its_tokens_and_released(
    seeded: PreparedDatabase, upstream_url: str, fake_upstream: FakeUpstream, stream: bool
) -> None:
    path, key = _path(seeded), seeded.keys[0]
    index = _account_index(path, key)
    before = _accounts(path)[index]
    async with TestServer(build_app(upstream_url, path)) as server:
        status, body = await _post(server, key, {**HELLO, "stream": stream})
    assert status == 200, body
    assert (b"data: [DONE]" in body) is stream
    balance, reserved, strikes, ledger = _accounts(path)[index]
    assert balance == before[0] - fake_upstream.prompt_tokens - fake_upstream.completion_tokens
    assert (reserved, strikes) == (0, 0)
    assert ledger == balance


async def test_an_unknown_key_reaches_neither_the_provider_nor_any_balance(
    seeded: PreparedDatabase, upstream_url: str, fake_upstream: FakeUpstream
) -> None:
    path = _path(seeded)
    before = _accounts(path)
    async with TestServer(build_app(upstream_url, path)) as server:
        status, _ = await _post(server, "myapi-not-a-key", HELLO)
    assert status == 401
    assert fake_upstream.requests == []
    assert _accounts(path) == before


async def test_a_body_refused_after_the_gate_is_free_and_its_hold_released(
    seeded: PreparedDatabase, upstream_url: str, fake_upstream: FakeUpstream
) -> None:
    path, key = _path(seeded), seeded.keys[0]
    index = _account_index(path, key)
    before = _accounts(path)[index]
    async with TestServer(build_app(upstream_url, path)) as server:
        url = server.make_url("/v1/chat/completions")
        headers = {"Authorization": f"Bearer {key}"}
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, json=["not", "an", "object"], headers=headers) as answer,
        ):
            assert answer.status == 400
    assert fake_upstream.requests == []
    balance, reserved, _, ledger = _accounts(path)[index]
    assert (balance, reserved) == (before[0], 0)
    assert ledger == balance
