"""The process's upstream sessions: the shared one, and one per SOCKS proxy a key uses.

Direct calls and calls through an HTTP proxy share the one session (aiohttp takes an HTTP
proxy per request, `proxy=`). A SOCKS proxy is a connector of its own, so each distinct SOCKS
proxy gets one long-lived session, made at start-up like the shared one and closed with it:
never a session per request. SOCKS needs the `aiohttp-socks` package; without it a key that
names a SOCKS proxy stops the start-up with a message saying so, instead of failing calls.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from providers.errors import ProviderError
from providers.upstream_keys import UpstreamKey, safe_proxy

SOCKS_PACKAGE = "aiohttp_socks"


class TransportError(ProviderError):
    """A key's transport cannot be built (a SOCKS proxy without aiohttp-socks)."""


def _socks_module() -> Any:
    try:
        return importlib.import_module(SOCKS_PACKAGE)
    except ImportError:
        return None


def require_socks_support(keys: Iterable[UpstreamKey]) -> None:
    """Fail now, with what to do, when a key needs SOCKS and aiohttp-socks is missing."""
    socks = [key for key in keys if key.uses_socks]
    if socks and _socks_module() is None:
        key = socks[0]
        message = (
            f"the {key.provider} key {key.name} goes through the SOCKS proxy "
            f"{safe_proxy(key.proxy)}, which needs the aiohttp-socks package: install it "
            "(pip install aiohttp-socks) or give the key an http:// proxy"
        )
        raise TransportError(message)


@dataclass(frozen=True, slots=True)
class UpstreamLimits:
    connect_timeout: float
    read_timeout: float
    max_connections: int


@dataclass(frozen=True, slots=True)
class Transports:
    """Which session, and which `proxy=` argument, carries a key's calls."""

    shared: aiohttp.ClientSession
    socks: Mapping[str, aiohttp.ClientSession] = field(default_factory=dict)

    def for_key(self, key: UpstreamKey | None) -> tuple[aiohttp.ClientSession, str | None]:
        proxy = key.proxy if key is not None else None
        if proxy is None:
            return self.shared, None
        session = self.socks.get(proxy)
        return (session, None) if session is not None else (self.shared, proxy)

    async def close(self) -> None:
        for session in self.socks.values():
            await session.close()
        await self.shared.close()


def create_client_session(
    limits: UpstreamLimits,
    connector: aiohttp.BaseConnector | None = None,
    trace_configs: Sequence[aiohttp.TraceConfig] = (),
) -> aiohttp.ClientSession:
    """One of the process's upstream sessions (keep-alive, the settings' timeouts and
    connection cap); close it at shutdown.

    `trace_configs` are aiohttp's own hooks around each upstream request (the service's
    metrics time the provider's part with them); none by default, at no cost.
    """
    if connector is None:
        connector = aiohttp.TCPConnector(limit=limits.max_connections, keepalive_timeout=30)
    timeout = aiohttp.ClientTimeout(
        total=None, connect=limits.connect_timeout, sock_read=limits.read_timeout
    )
    # Bodies pass through as bytes (auto_decompress off), so ask providers for no encoding.
    # No cookie jar: a cookie a provider's edge sets during one user's call would otherwise
    # travel with every later call of every user (and be matched against each call's URL).
    return aiohttp.ClientSession(
        connector=connector,
        timeout=timeout,
        cookie_jar=aiohttp.DummyCookieJar(),
        auto_decompress=False,
        headers={"Accept-Encoding": "identity"},
        trace_configs=list(trace_configs) or None,
    )


def create_transports(
    limits: UpstreamLimits,
    keys: Iterable[UpstreamKey] = (),
    trace_configs: Sequence[aiohttp.TraceConfig] = (),
) -> Transports:
    """The shared session, and one per distinct SOCKS proxy among `keys` (every one traced
    by `trace_configs`)."""
    keys = list(keys)
    require_socks_support(keys)
    proxies = sorted({key.proxy for key in keys if key.uses_socks and key.proxy})
    socks: dict[str, aiohttp.ClientSession] = {}
    for proxy in proxies:
        connector = _socks_module().ProxyConnector.from_url(proxy, limit=limits.max_connections)
        socks[proxy] = create_client_session(limits, connector, trace_configs)
    return Transports(create_client_session(limits, trace_configs=trace_configs), socks)
