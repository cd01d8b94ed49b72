"""`myapi keys`: every provider key, by a short label, and its health as the database has it.

The keys come from this process's own settings and catalog (the same ones the service
reads); their health (benches, recoveries, calls and errors of the last hour) comes from
the database, where every serving process writes it (`api.key_sync`). Nothing here prints
a secret: a key is its name, its label and where it goes (a proxy without its password).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from providers.upstream_keys import UpstreamKey, safe_proxy
from storage.upstream_keys import KeyStatus

Totals = dict[tuple[str, str], tuple[int, int]]


def _time(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _why(status: KeyStatus) -> str:
    reason = (status.reason or "unknown").replace("_", " ")
    return f"{reason} ({status.status})" if status.status else reason


def _resting(status: KeyStatus | None, now: int) -> bool:
    return status is not None and status.benched_until is not None and status.benched_until > now


def key_state(status: KeyStatus | None, now: int) -> str:
    """Healthy, or benched until when and why (and when it was benched)."""
    if status is None or status.benched_at is None:
        return "healthy"
    if _resting(status, now):
        assert status.benched_until is not None
        return (
            f"benched until {_time(status.benched_until)}: {_why(status)}, "
            f"since {_time(status.benched_at)}"
        )
    if status.recovered_at is not None:
        return f"healthy again since {_time(status.recovered_at)} (benched: {_why(status)})"
    return f"healthy: its rest ended (benched at {_time(status.benched_at)}: {_why(status)})"


def _route(key: UpstreamKey, default_base_url: str) -> str:
    parts = []
    if key.base_url != default_base_url:
        parts.append(f"at {key.base_url}")
    if key.proxy:
        parts.append(f"via {safe_proxy(key.proxy)}")
    if key.weight != 1:
        parts.append(f"weight {key.weight}")
    if key.rpm:
        parts.append(f"{key.rpm}/min")
    return f"  [{', '.join(parts)}]" if parts else ""


def key_lines(
    keys: Sequence[tuple[UpstreamKey, str]],
    statuses: Sequence[KeyStatus],
    last_hour: Totals,
    now: int,
) -> list[str]:
    """One line per key (`keys`: each with its provider's base URL), then a total."""
    by_id = {(s.provider, s.key_id): s for s in statuses}
    lines = []
    for key, default_base_url in keys:
        requests, errors = last_hour.get((key.provider, key.key_id), (0, 0))
        state = key_state(by_id.get((key.provider, key.key_id)), now)
        lines.append(
            f"{key.provider:<11} {key.name:<16} {key.label:<14} {state}; last hour: "
            f"{requests} requests, {errors} errors{_route(key, default_base_url)}"
        )
    benched = sum(_resting(by_id.get((key.provider, key.key_id)), now) for key, _ in keys)
    lines.append(f"{len(keys)} keys, {benched} benched now")
    return lines
