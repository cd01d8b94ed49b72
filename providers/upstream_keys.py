"""The operator's provider keys: several per provider, each with its own address and budget.

Keys come from the environment (`<PROVIDER>_API_KEY`, and `<PROVIDER>_API_KEYS` as a
comma-separated list); the catalog file's `[keys.<name>]` tables give a key its options
(weight, requests-per-minute budget, base URL, proxy) by naming the environment variable
that holds it, never the secret itself. A table naming another variable adds that
variable's keys to the provider's pool.

Invariants: a key's secret never appears in its `repr`, its label or its id (the label
shows a few characters at each end, the id is a digest), so logs, the command line and the
database can name a key without holding it; every key of a pool is distinct.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from urllib.parse import urlsplit, urlunsplit

from providers.errors import CatalogError

#: Proxy schemes a key may use: HTTP proxies through aiohttp itself, SOCKS through
#: aiohttp-socks (`providers.transport`).
HTTP_PROXY_SCHEMES = ("http", "https")
SOCKS_PROXY_SCHEMES = ("socks4", "socks5", "socks5h")
_SPEC_FIELDS = {"provider", "env", "index", "weight", "rpm", "base_url", "proxy", "proxy_env"}

#: Reads one environment variable (`api.settings` is the only module that reads them).
Lookup = Callable[[str], str | None]


def key_label(secret: str) -> str:
    """What operators see of a key: a short prefix and the last characters, never enough to
    use it (at most a third of a short key)."""
    head = min(7, len(secret) // 3)
    tail = min(4, len(secret) // 6)
    return f"{secret[:head]}…{secret[len(secret) - tail :]}" if tail else f"{secret[:head]}…"


def key_id(secret: str) -> str:
    """A stable name for a key across processes and restarts that does not reveal it."""
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


def safe_proxy(proxy: str | None) -> str:
    """A proxy's address without its user and password, for display."""
    if not proxy:
        return ""
    parts = urlsplit(proxy)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


@dataclass(frozen=True, slots=True)
class UpstreamKey:
    """One operator key of one provider, with where and how its calls travel.

    `weight` shares the calls among healthy keys; `rpm` (0: none) is this process's budget of
    calls a minute for the key; `proxy` is an http(s):// or socks5:// URL, or None.
    """

    provider: str
    name: str
    secret: str = field(repr=False)
    base_url: str
    proxy: str | None = field(default=None, repr=False)
    weight: int = 1
    rpm: int = 0
    #: The hash of every compared field, taken once: each call looks its key up in the key
    #: health's tables several times, and the generated `__hash__` hashes a fresh tuple of
    #: them each time. Equal keys still hash equal (same fields, same hash).
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        compared = tuple(getattr(self, each.name) for each in fields(self) if each.compare)
        object.__setattr__(self, "_hash", hash(compared))

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        return f"UpstreamKey({self.provider!r}, {self.name!r}, {self.label!r})"

    @property
    def label(self) -> str:
        return key_label(self.secret)

    @property
    def key_id(self) -> str:
        return key_id(self.secret)

    @property
    def uses_socks(self) -> bool:
        return self.proxy is not None and urlsplit(self.proxy).scheme in SOCKS_PROXY_SCHEMES


@dataclass(frozen=True, slots=True)
class KeySpec:
    """A catalog `[keys.<name>]` table: the options of the key(s) held in variable `env`.

    `index` (1-based) picks one key of a comma-separated list; without it the options apply
    to every key the variable holds.
    """

    name: str
    provider: str
    env: str
    index: int | None = None
    weight: int = 1
    rpm: int = 0
    base_url: str | None = None
    proxy: str | None = None
    proxy_env: str | None = None

    def covers(self, variable: str, position: int) -> bool:
        return self.env == variable and self.index in (None, position)


def split_keys(text: str | None) -> list[str]:
    """`a, b,,c` -> ["a", "b", "c"]: the keys of a comma-separated variable."""
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def _whole(value: object, where: str, least: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < least:
        raise CatalogError(f"{where}: a whole number of at least {least}, got {value!r}")
    return value


def _text(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise CatalogError(f"{where}: a non-empty string, got {value!r}")
    return value.strip()


def _proxy(value: object, where: str) -> str:
    proxy = _text(value, where)
    scheme = urlsplit(proxy).scheme
    if scheme not in HTTP_PROXY_SCHEMES + SOCKS_PROXY_SCHEMES or not urlsplit(proxy).hostname:
        allowed = ", ".join(f"{name}://" for name in HTTP_PROXY_SCHEMES + SOCKS_PROXY_SCHEMES)
        raise CatalogError(f"{where}: a proxy URL starting with one of {allowed}")
    return proxy


def _spec(name: str, table: object) -> KeySpec:
    where = f"keys.{name}"
    if not isinstance(table, dict):
        raise CatalogError(f"{where} must be a table")
    unknown = set(table) - _SPEC_FIELDS
    if unknown:
        raise CatalogError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    for required in ("provider", "env"):
        if required not in table:
            raise CatalogError(f"{where} lacks the field {required!r}")
    if "proxy" in table and "proxy_env" in table:
        raise CatalogError(f"{where}: give `proxy` or `proxy_env`, not both")
    base_url = table.get("base_url")
    return KeySpec(
        name=name,
        provider=_text(table["provider"], f"{where}.provider"),
        env=_text(table["env"], f"{where}.env"),
        index=_whole(table["index"], f"{where}.index", 1) if "index" in table else None,
        weight=_whole(table.get("weight", 1), f"{where}.weight", 1),
        rpm=_whole(table.get("rpm", 0), f"{where}.rpm", 0),
        base_url=_text(base_url, f"{where}.base_url").rstrip("/") if base_url else None,
        proxy=_proxy(table["proxy"], f"{where}.proxy") if "proxy" in table else None,
        proxy_env=_text(table["proxy_env"], f"{where}.proxy_env")
        if "proxy_env" in table
        else None,
    )


def parse_key_specs(tables: object) -> tuple[KeySpec, ...]:
    """The catalog's `[keys]` tables, checked field by field (CatalogError names the field)."""
    if not isinstance(tables, dict):
        raise CatalogError("keys must be a table of [keys.<name>] tables")
    return tuple(_spec(name, table) for name, table in tables.items())


@dataclass(frozen=True, slots=True)
class _Held:
    """One secret found in the environment: its variable and its position there."""

    variable: str
    position: int
    secret: str
    count: int  # how many keys the variable holds


def _held(variable: str, text: str | None) -> list[_Held]:
    secrets = split_keys(text)
    return [_Held(variable, n, s, len(secrets)) for n, s in enumerate(secrets, start=1)]


class _PoolBuilder:
    """Turns the secrets of one provider and its specs into its keys, in a stable order."""

    def __init__(
        self, provider: str, base_url: str, specs: Sequence[KeySpec], lookup: Lookup
    ) -> None:
        self.provider = provider
        self.base_url = base_url
        self.specs = specs
        self.lookup = lookup

    def held(self, own: Mapping[str, str | None]) -> list[_Held]:
        """The provider's own variables first, then every other variable a spec names."""
        found = [held for variable, text in own.items() for held in _held(variable, text)]
        loaded = set(own)
        for spec in self.specs:
            if spec.env not in loaded:
                loaded.add(spec.env)
                found.extend(_held(spec.env, self.lookup(spec.env)))
            if not any(spec.covers(held.variable, held.position) for held in found):
                number = "" if spec.index is None else f" number {spec.index}"
                raise CatalogError(
                    f"keys.{spec.name}: the variable {spec.env} holds no key{number}"
                )
        return found

    def key(self, held: _Held, number: int) -> UpstreamKey:
        matching = [spec for spec in self.specs if spec.covers(held.variable, held.position)]
        spec = min(matching, key=lambda s: s.index is None, default=None)
        if spec is None:
            return UpstreamKey(
                self.provider, f"{self.provider}#{number}", held.secret, self.base_url
            )
        name = spec.name
        if spec.index is None and held.count > 1:
            name = f"{spec.name}#{held.position}"
        return UpstreamKey(
            provider=self.provider,
            name=name,
            secret=held.secret,
            base_url=spec.base_url or self.base_url,
            proxy=self._proxy_of(spec),
            weight=spec.weight,
            rpm=spec.rpm,
        )

    def _proxy_of(self, spec: KeySpec) -> str | None:
        if spec.proxy_env is None:
            return spec.proxy
        value = self.lookup(spec.proxy_env)
        if not value:
            raise CatalogError(f"keys.{spec.name}: the variable {spec.proxy_env} is not set")
        return _proxy(value, f"keys.{spec.name}.proxy_env ({spec.proxy_env})")


def provider_keys(
    provider: str,
    base_url: str,
    own: Mapping[str, str | None],
    specs: Iterable[KeySpec],
    lookup: Lookup,
) -> tuple[UpstreamKey, ...]:
    """Every key of one provider: those of its own variables (`own`: variable -> value, e.g.
    OPENAI_API_KEY and OPENAI_API_KEYS) with their specs' options, then those of other
    variables its specs name. A secret found twice is one key (its first place wins)."""
    builder = _PoolBuilder(
        provider, base_url, [s for s in specs if s.provider == provider], lookup
    )
    keys: list[UpstreamKey] = []
    seen: set[str] = set()
    for held in builder.held(own):
        if held.secret not in seen:
            seen.add(held.secret)
            keys.append(builder.key(held, len(keys) + 1))
    return tuple(keys)


def check_spec_providers(specs: Iterable[KeySpec], providers: Iterable[str]) -> None:
    """Every `[keys.*]` table must name a provider this service knows."""
    known = set(providers)
    for spec in specs:
        if spec.provider not in known:
            names = ", ".join(sorted(known))
            raise CatalogError(
                f"keys.{spec.name}.provider: {spec.provider!r} is not one of {names}"
            )
