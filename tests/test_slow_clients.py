"""A slow or huge client cannot hold the service: bodies are bounded in size and in time."""

from __future__ import annotations

import asyncio
import json

import pytest

from api.app import create_api_app
from tests.conftest import ApiHarness
from tests.fakes.server import serve_app
from tests.ledger import table_snapshot


async def send_slowly(url: str, body: bytes, sent: int) -> tuple[int, dict[str, object]]:
    """Send headers and the first `sent` bytes of `body`, then stall until answered."""
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    head = (
        "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    writer.write(head.encode() + body[:sent])
    await writer.drain()
    # The server answers, then lingers to drain the unsent body: read the answer, not to EOF.
    head_bytes = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
    length = int(head_bytes.lower().split(b"content-length:")[1].split(b"\r\n")[0])
    answer = await asyncio.wait_for(reader.readexactly(length), timeout=10)
    writer.close()
    return int(head_bytes.split(b" ", 2)[1]), json.loads(answer)


@pytest.mark.parametrize("sent", [0, 10])
async def test_a_body_that_never_finishes_arriving_is_408_and_changes_nothing(
    api: ApiHarness, sent: int
) -> None:
    key = await api.register()
    before = await table_snapshot(api.storage)
    app = create_api_app(api.context, max_body_bytes=64 * 1024, body_read_seconds=0.2)
    body = json.dumps({"model": "echo", "messages": [], "key": key}).encode()
    # Lingering (aiohttp drains an unsent body up to 10 s before closing) is production's
    # own bound; the test does not wait it out.
    async with serve_app(app, lingering_time=0) as url:
        status, answer = await send_slowly(url, body, sent)
    assert status == 408
    assert answer["error"]["code"] == "request_timeout"  # type: ignore[index]
    assert await table_snapshot(api.storage) == before
    assert api.upstream.requests == []
