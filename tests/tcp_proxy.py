"""A TCP proxy that a test can cut and restore: the network between the service and PostgreSQL.

The service's DATABASE_URL points at the proxy; the proxy relays every connection to the
real server. What a test can do to the link, as real outages do it:

- `cut()`: the database went away at once (stopped, restarted, refused): every open
  connection is reset, and new ones are reset as soon as they are accepted;
- `freeze()`: the link stopped answering (a lost route, a dead host): connections stay
  open and accepted, but every byte sent either way is lost, so only timeouts end the waits;
- `lose_replies()`: statements still reach the server, its answers are lost, so a statement
  may be applied while its client sees a timeout;
- `restore()`: bytes flow again on new connections and on those that lost nothing; one that
  lost bytes is reset when it next carries any, as TCP gives up on a stream with a hole.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from urllib.parse import urlsplit, urlunsplit

_CHUNK = 64 * 1024


class TcpProxy:
    """Relays 127.0.0.1:`port` to `target_host`:`target_port` until `close`."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        self._cut = False
        self._upstream = asyncio.Event()  # client -> server bytes may pass
        self._downstream = asyncio.Event()  # server -> client bytes may pass
        self._upstream.set()
        self._downstream.set()
        self._links: set[asyncio.Task[None]] = set()
        self._server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])

    def cut(self) -> None:
        self._cut = True
        for link in self._links:
            link.cancel()

    def freeze(self) -> None:
        self._upstream.clear()
        self._downstream.clear()

    def lose_replies(self) -> None:
        self._downstream.clear()

    def restore(self) -> None:
        self._cut = False
        self._upstream.set()
        self._downstream.set()

    async def close(self) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        if self._links:
            await asyncio.wait(set(self._links))

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._cut:
            writer.transport.abort()
            return
        task = asyncio.current_task()
        assert task is not None
        self._links.add(task)
        try:
            await self._relay(reader, writer)
        except asyncio.CancelledError:
            pass  # cut: the link is reset below
        finally:
            self._links.discard(task)
            writer.transport.abort()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            server_reader, server_writer = await asyncio.open_connection(*self._target)
        except OSError:
            return
        try:
            pumps = (
                asyncio.create_task(_pump(reader, server_writer, self._upstream)),
                asyncio.create_task(_pump(server_reader, writer, self._downstream)),
            )
            try:
                await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for pump in pumps:
                    pump.cancel()
                await asyncio.wait(pumps)
        finally:
            server_writer.transport.abort()


async def _pump(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, flowing: asyncio.Event
) -> None:
    """Copy bytes one way while `flowing` is set; drop them while it is not, as a
    partition loses packets. A stream that lost bytes can never be whole again: its next
    bytes after the partition end the link (a reset), and so does an end of either side."""
    lost = False
    with suppress(ConnectionError):
        while data := await reader.read(_CHUNK):
            if not flowing.is_set():
                lost = True
                continue
            if lost:
                return
            writer.write(data)
            await writer.drain()


def through(dsn: str, port: int) -> str:
    """`dsn` with its host and port replaced by the proxy's (user, database and query kept)."""
    parts = urlsplit(dsn)
    secret = f":{parts.password}" if parts.password else ""
    user = f"{parts.username}{secret}@" if parts.username else ""
    return urlunsplit(parts._replace(netloc=f"{user}127.0.0.1:{port}"))


@asynccontextmanager
async def proxied(dsn: str) -> AsyncIterator[tuple[TcpProxy, str]]:
    """A running proxy in front of the server `dsn` names, and the DSN through it."""
    parts = urlsplit(dsn)
    proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    await proxy.start()
    try:
        yield proxy, through(dsn, proxy.port)
    finally:
        await proxy.close()
