"""The real `python -m api` process on PostgreSQL through a TCP proxy that the test cuts:
calls and /health answer 503 at once, and the same process serves again once the database
is back, with no restart."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.error_shape import assert_openai_shape
from tests.outages import ANSWER_BOUND
from tests.process import free_port, register_ann, running_service, service_env
from tests.tcp_proxy import TcpProxy, proxied

ECHO = {"model": "echo", "messages": [{"role": "user", "content": "still there?"}]}


@pytest.fixture
async def proxy_and_dsn(postgres_url: str) -> AsyncIterator[tuple[TcpProxy, str]]:
    async with proxied(postgres_url) as pair:
        yield pair


async def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503
    assert response.elapsed.total_seconds() < ANSWER_BOUND
    assert response.headers["Retry-After"] == "5"
    assert_openai_shape(response.json())
    assert response.json()["error"]["code"] == "database_unavailable"


async def test_the_service_answers_503_while_postgresql_is_away_and_recovers_by_itself(
    tmp_path: Path, postgres_url: str, proxy_and_dsn: tuple[TcpProxy, str]
) -> None:
    proxy, proxied_url = proxy_and_dsn
    key = await register_ann(postgres_url, 10**6)
    env = service_env(
        DATABASE_URL=proxied_url,
        DATABASE_CONNECT_TIMEOUT="0.5",
        DATABASE_COMMAND_TIMEOUT="0.5",
        BOT_MODE="off",
    )
    headers = {"Authorization": f"Bearer {key}"}
    async with (
        running_service(tmp_path, env, port=free_port()) as service,
        httpx.AsyncClient(base_url=service.base_url, headers=headers, timeout=10) as client,
    ):
        assert (await client.post("/v1/chat/completions", json=ECHO)).status_code == 200
        proxy.cut()
        await assert_unavailable(await client.post("/v1/chat/completions", json=ECHO))
        await assert_unavailable(await client.get("/health"))
        proxy.restore()
        assert (await client.get("/health")).status_code == 200
        assert (await client.post("/v1/chat/completions", json=ECHO)).status_code == 200
        assert service.process.returncode is None  # the same process, never restarted
    log = service.log_path.read_text()
    assert "answering 503: the database is unavailable" in log
    assert "Traceback" not in log  # no 500, and no driver error left unexplained
