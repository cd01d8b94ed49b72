"""A fake SOCKS5 proxy (RFC 1928, with RFC 1929's username and password): it records each
CONNECT (the credentials given and the target) and pipes the bytes both ways, so a call
through it reaches the real fake provider behind."""

from __future__ import annotations

import asyncio
import contextlib
import struct
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

_VERSION, _USER_PASSWORD, _CONNECT = 5, 2, 1
_IPV4, _DOMAIN, _IPV6 = 1, 3, 4


@dataclass(frozen=True, slots=True)
class SocksConnect:
    username: str
    password: str
    host: str
    port: int


@dataclass
class FakeSocks:
    connects: list[SocksConnect] = field(default_factory=list)

    @asynccontextmanager
    async def serve(self) -> AsyncIterator[str]:
        """Listen on a free local port; yields its `host:port`."""
        server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        host, port = server.sockets[0].getsockname()[:2]
        try:
            yield f"{host}:{port}"
        finally:
            server.close()
            await server.wait_closed()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            target = await self._handshake(reader, writer)
            if target is None:
                return
            upstream_reader, upstream_writer = await asyncio.open_connection(*target)
            writer.write(bytes([_VERSION, 0, 0, _IPV4, 0, 0, 0, 0, 0, 0]))
            await writer.drain()
            await asyncio.gather(_pipe(reader, upstream_writer), _pipe(upstream_reader, writer))
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _handshake(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> tuple[str, int] | None:
        version, count = await reader.readexactly(2)
        methods = await reader.readexactly(count)
        if version != _VERSION or _USER_PASSWORD not in methods:
            writer.write(bytes([_VERSION, 0xFF]))
            return None
        writer.write(bytes([_VERSION, _USER_PASSWORD]))
        await writer.drain()
        _, length = await reader.readexactly(2)
        username = (await reader.readexactly(length)).decode()
        (length,) = await reader.readexactly(1)
        password = (await reader.readexactly(length)).decode()
        writer.write(bytes([1, 0]))  # the credentials are taken (and recorded)
        await writer.drain()
        _, command, _, kind = await reader.readexactly(4)
        if kind == _IPV4:
            host = ".".join(str(b) for b in await reader.readexactly(4))
        elif kind == _DOMAIN:
            (length,) = await reader.readexactly(1)
            host = (await reader.readexactly(length)).decode()
        else:
            raise ConnectionError("the fake takes IPv4 addresses and names only")
        (port,) = struct.unpack("!H", await reader.readexactly(2))
        if command != _CONNECT:
            raise ConnectionError("the fake takes CONNECT only")
        self.connects.append(SocksConnect(username, password, host, port))
        return host, port


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
    finally:
        with contextlib.suppress(Exception):
            writer.close()
