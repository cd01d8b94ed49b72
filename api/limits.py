"""Per-client-address limits that the database cannot see, decided in the gate.

Failed authentications with an unknown username or key never reach an account, so the
five-strike rule cannot count them; they are counted here per client address instead, in
fixed one-minute windows. Only failures count, and only after the database gave its
verdict: a right key from a throttled address is served (many users share one NAT), and a
failure is counted and judged in one synchronous step, so attempts sent at once cannot get
more answers than the limit. The count lives in this process: with several replicas each
keeps its own (an attacker gets at most the limit once per replica).

Behind a reverse proxy every peer is the proxy, so X-Forwarded-For decides the client's
address, but only when the peer is a configured trusted proxy (otherwise anyone could send
the header and pick an address to be counted under).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Network, IPv6Network, ip_address

from aiohttp import web

from storage.clock import Clock

Network = IPv4Network | IPv6Network


def _within(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in networks)


def client_address(request: web.Request, trusted_proxies: tuple[Network, ...]) -> str:
    """The peer's address, or, when the peer is a trusted proxy, the nearest address in
    X-Forwarded-For that is not one of the trusted proxies."""
    peer = request.remote or ""
    if not trusted_proxies or not _within(peer, trusted_proxies):
        return peer
    forwarded = request.headers.get("X-Forwarded-For", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _within(hop, trusted_proxies):
            return hop
    return hops[0] if hops else peer


@dataclass
class FailedAuthLimiter:
    """Counts failed authentications per address in fixed one-minute windows.

    Invariant: only the current window's counts are kept (older ones are dropped when a new
    window starts), so memory is bounded by the addresses seen in one minute.
    `per_minute == 0` disables the limit.
    """

    per_minute: int
    clock: Clock
    trusted_proxies: tuple[Network, ...] = ()
    _window: int = -1
    _counts: dict[str, int] = field(default_factory=dict)

    def _current(self) -> dict[str, int]:
        window = self.clock() // 60
        if window != self._window:
            self._window, self._counts = window, {}
        return self._counts

    def fail(self, address: str) -> int | None:
        """Count one failed authentication from `address` and judge it.

        Returns None while the failure is within the minute's limit (the caller answers
        401), else the seconds until the next window (the caller answers 429 with them as
        Retry-After). No await between reading and writing the count: concurrent
        failures are judged one after another, so exactly `per_minute` get None.
        """
        counts = self._current()
        count = counts.get(address, 0) + 1
        counts[address] = count
        if self.per_minute and count > self.per_minute:
            return 60 - self.clock() % 60
        return None
