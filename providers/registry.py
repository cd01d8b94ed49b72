"""The explicit provider registry: a dict built from settings, never discovered.

A provider without an API key stays in the registry as unavailable, so the API can tell a
caller "not configured here" (503) apart from "no such model" (404).
"""

from __future__ import annotations

from dataclasses import dataclass

from providers.catalog import Catalog, Model, ModelKind
from providers.errors import ModelUnpricedError, ProviderUnavailableError

#: Every upstream provider, declared once, with its default base URL (each following its own
#: SDK's convention: OpenAI's includes /v1). Settings builds `<NAME>_API_KEY` and
#: `<NAME>_BASE_URL` from this, so adding a provider here is the whole of its configuration.
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
    """Where a provider is and the operator's key for it; `repr` never shows the key."""

    name: str
    base_url: str
    api_key: str | None
    builtin: bool = False

    def __repr__(self) -> str:
        configured = "configured" if self.available else "not configured"
        return f"ProviderConfig({self.name!r}, {self.base_url!r}, {configured})"

    @property
    def openai_base_url(self) -> str:
        """Where this provider speaks OpenAI's protocol (for `provider:model` chat)."""
        return self.base_url + _OPENAI_COMPATIBLE_SUFFIX.get(self.name, "")

    @property
    def available(self) -> bool:
        return self.builtin or bool(self.api_key)


@dataclass(frozen=True, slots=True)
class Route:
    """Where one call goes: the catalog entry and its provider's address and key."""

    model: Model
    provider: ProviderConfig
    api_key: str  # empty for a built-in provider


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
        ProviderUnavailableError otherwise (before any hold: nothing is charged)."""
        model = self.catalog.get(model_name)
        if model.unpriced:
            raise ModelUnpricedError(model.name, model.unpriced)
        provider = self.providers.get(model.provider)
        if provider is None or not provider.available:
            raise ProviderUnavailableError(model.provider)
        return Route(model=model, provider=provider, api_key=provider.api_key or "")
