"""The explicit provider registry: a dict built from settings, never discovered.

A provider without an API key stays in the registry as unavailable, so the API can tell a
caller "not configured here" (503) apart from "no such model" (404). A provider may have
several keys (`providers.upstream_keys`); which one a call uses is decided per attempt by
the upstream layer (`providers.failover`), not here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from providers.catalog import Catalog, Model, ModelKind
from providers.errors import ModelUnpricedError, ProviderUnavailableError
from providers.upstream_keys import UpstreamKey

#: Every upstream provider, declared once, with its default base URL (each following its own
#: SDK's convention: OpenAI's includes /v1). Settings builds `<NAME>_API_KEY`,
#: `<NAME>_API_KEYS` and `<NAME>_BASE_URL` from this, so adding a provider here is the whole
#: of its configuration.
DEFAULT_BASE_URLS: dict[str, str] = {
    "openai": "https://api.openai.com/v1",
    "gemini": "https://generativelanguage.googleapis.com",
    "anthropic": "https://api.anthropic.com",
    "stability": "https://api.stability.ai",
    "groq": "https://api.groq.com/openai/v1",
    "openrouter": "https://openrouter.ai/api/v1",
    "qwen": "https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
}
PROVIDER_NAMES = tuple(DEFAULT_BASE_URLS)
#: Providers served inside the process (no key, no network); the operator can switch them off.
BUILTIN_PROVIDERS = ("echo",)
#: The model examples call when the catalog names none that can be called now.
FALLBACK_EXAMPLE_MODEL = "echo"
#: What each provider's SDK base URL needs to reach its OpenAI-compatible endpoints.
_OPENAI_COMPATIBLE_SUFFIX = {"gemini": "/v1beta/openai", "anthropic": "/v1"}


@dataclass(frozen=True, slots=True)
class ProviderConfig:
    """Where a provider is and the operator's keys for it; `repr` never shows a key."""

    name: str
    base_url: str
    keys: tuple[UpstreamKey, ...] = ()
    builtin: bool = False

    @classmethod
    def with_key(cls, name: str, base_url: str, api_key: str | None) -> ProviderConfig:
        """A provider with one key (or none), at its own base URL."""
        keys = (UpstreamKey(name, f"{name}#1", api_key, base_url),) if api_key else ()
        return cls(name, base_url, keys)

    def __repr__(self) -> str:
        configured = f"{len(self.keys)} key(s)" if self.available else "not configured"
        return f"ProviderConfig({self.name!r}, {self.base_url!r}, {configured})"

    @property
    def available(self) -> bool:
        return self.builtin or bool(self.keys)


@dataclass(frozen=True, slots=True)
class Route:
    """Where a call goes: the catalog entry and its provider, and for one attempt the key.

    The pipeline resolves a `Route` before the gate (no key yet: the upstream layer picks
    one per attempt, `on`). `fallbacks` are the routes of the models the operator declared
    to stand in when every key of this one is resting or failed; they are tried in order,
    and a route's hold covers the dearest of its `chain` (`chain_hold`).
    """

    model: Model
    provider: ProviderConfig
    key: UpstreamKey | None = None
    fallbacks: tuple[Route, ...] = ()

    @property
    def api_key(self) -> str:
        """The attempt's key; empty for a built-in provider or before a key is chosen."""
        return self.key.secret if self.key is not None else ""

    @property
    def base_url(self) -> str:
        """The attempt's address: its key's own base URL, which defaults to the provider's."""
        return self.key.base_url if self.key is not None else self.provider.base_url

    @property
    def openai_base_url(self) -> str:
        """Where this provider speaks OpenAI's protocol (for `provider:model` chat)."""
        return self.base_url + _OPENAI_COMPATIBLE_SUFFIX.get(self.provider.name, "")

    @property
    def chain(self) -> tuple[Route, ...]:
        """This route, then its fallbacks, in the order they are tried."""
        return (self, *self.fallbacks)

    def on(self, key: UpstreamKey) -> Route:
        """The route of one attempt: this model through `key` (built directly: every
        attempt makes one, and `dataclasses.replace` introspects the fields each time)."""
        return Route(self.model, self.provider, key)

    def same_provider(self) -> Route:
        """Only the fallbacks of this route's provider: a native protocol (Anthropic's,
        Google's) cannot be answered by another provider."""
        kept = tuple(r for r in self.fallbacks if r.provider.name == self.provider.name)
        return replace(self, fallbacks=kept)

    def chain_hold(self, hold_of: Callable[[Model], int]) -> int:
        """The most any model of the chain may cost (`hold_of(model)` each): a call held so
        can never cost more than was held, whichever model answers."""
        if not self.fallbacks:  # the common case, without a generator
            return hold_of(self.model)
        return max(hold_of(route.model) for route in self.chain)


class Registry:
    def __init__(self, catalog: Catalog, providers: dict[str, ProviderConfig]) -> None:
        self.catalog = catalog
        self.providers = providers

    def unavailable_reason(self, model: Model) -> str:
        """Why a listed model cannot be called now, or "" when it can."""
        provider = self.providers.get(model.provider)
        if model.unpriced:
            return model.unpriced
        if provider is None or not provider.available:
            return f"the provider {model.provider!r} is not configured"
        return ""

    def callable_models(self) -> list[Model]:
        """The catalog's models that can be called now (priced, provider configured), in
        the catalog's order."""
        return [m for m in self.catalog.models.values() if not self.unavailable_reason(m)]

    def example_model(self) -> str:
        """The chat model a user's examples call: the catalog's first `example_models` entry
        that can be called now, else the first callable chat model in catalog order, else
        the built-in echo (shown even when switched off: there is nothing better to show).

        So an example never names a model whose provider this service has no key for.
        """
        callable_chat = [m.name for m in self.callable_models() if m.kind is ModelKind.CHAT]
        preferred = [name for name in self.catalog.example_models if name in callable_chat]
        return next(iter(preferred + callable_chat), FALLBACK_EXAMPLE_MODEL)

    def route(self, model_name: str) -> Route:
        """Resolve a model name; UnknownModelError, ModelUnpricedError or
        ProviderUnavailableError otherwise (before any hold: nothing is charged).

        Its fallbacks are those the catalog declares that can be called now (priced, and
        their provider configured and reached over the network); a built-in model has none.
        """
        model = self.catalog.get(model_name)
        if model.unpriced:
            raise ModelUnpricedError(model.name, model.unpriced)
        provider = self.providers.get(model.provider)
        if provider is None or not provider.available:
            raise ProviderUnavailableError(model.provider)
        if provider.builtin:
            return Route(model, provider)
        return Route(model, provider, fallbacks=tuple(self._fallbacks(model)))

    def _fallbacks(self, model: Model) -> Iterator[Route]:
        for name in model.fallbacks:
            fallback = self.catalog.get(name)
            provider = self.providers.get(fallback.provider)
            if fallback.unpriced or provider is None or provider.builtin or not provider.keys:
                continue
            yield Route(fallback, provider)

    def all_keys(self) -> tuple[UpstreamKey, ...]:
        """Every key of every provider (for the transports and the health sync)."""
        return tuple(key for provider in self.providers.values() for key in provider.keys)
