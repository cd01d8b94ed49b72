"""The catalog file's tables beside its models, each checked against the models at load.

Each function takes the raw TOML value and the parsed models and returns the checked table,
or raises `CatalogError` naming the entry at fault, so a broken catalog stops the start-up
with a message instead of failing a call later.
"""

from __future__ import annotations

from collections.abc import Callable

from providers.errors import CatalogError, UnknownModelError
from providers.image_output import ImageTokens
from providers.model import Model, ModelKind
from providers.openai_media import MediaRequestError


def image_library(table: object, models: dict[str, Model]) -> dict[str, str]:
    """Check `[image_library]`: each "<W>x<H>" names an image model priced at that size."""
    if not isinstance(table, dict):
        raise CatalogError('image_library must be a table of "<size>" = "<model>"')
    for size, name in table.items():
        model = models.get(name) if isinstance(name, str) else None
        if model is None or model.kind is not ModelKind.IMAGE:
            raise CatalogError(f"image_library.{size}: {name!r} is not an image model here")
        if not _makes(model, size):
            raise CatalogError(f"image_library.{size}: {name} has no price for that size")
    return dict(table)


def _makes(model: Model, size: str) -> bool:
    """Whether the model is priced for images of `size` (a GPT image model: takes it)."""
    if model.token_prices is None:
        return model.per_image > 0 or any(k.partition("/")[0] == size for k in model.image_prices)
    try:
        ImageTokens(model.upstream, model.max_output_tokens).check_size(size)
    except MediaRequestError:
        return False
    return True


def example_models(names: object, models: dict[str, Model]) -> tuple[str, ...]:
    """Check `example_models`: a list naming chat models of this catalog."""
    if not isinstance(names, list):
        raise CatalogError('example_models must be a list of model names: ["gpt-4o-mini"]')
    for name in names:
        model = models.get(name) if isinstance(name, str) else None
        if model is None or model.kind is not ModelKind.CHAT:
            raise CatalogError(f"example_models: {name!r} is not a chat model here")
    return tuple(names)


def aliases(table: object, models: dict[str, Model]) -> dict[str, str]:
    """Check `[aliases]`: each other spelling names a catalog model and is not one itself."""
    if not isinstance(table, dict):
        raise CatalogError('aliases must be a table of "<other name>" = "<catalog name>"')
    for alias, name in table.items():
        if not isinstance(name, str) or name not in models:
            raise CatalogError(f"aliases.{alias}: {name!r} is not a model of the catalog")
        if alias in models:
            raise CatalogError(f"aliases.{alias}: a model of that name exists; drop the alias")
    return dict(table)


def alias_prefixes(table: object) -> dict[str, str]:
    """Check `alias_prefixes`: each `"vendor/"` maps to a provider's name."""
    if not isinstance(table, dict) or not all(
        isinstance(prefix, str) and prefix.endswith("/") and isinstance(provider, str)
        for prefix, provider in table.items()
    ):
        raise CatalogError('alias_prefixes must be a table of "<vendor>/" = "<provider>"')
    return dict(table)


def check_fallbacks(models: dict[str, Model], lookup: Callable[[str], Model]) -> None:
    """Check each chat model's `fallbacks`: another chat model of this catalog, by any name
    `lookup` (the catalog's `get`) resolves (its name, an alias, `provider:upstream`)."""
    for model in models.values():
        for name in model.fallbacks:
            where = f"{model.name}.fallbacks"
            try:
                fallback = lookup(name)
            except UnknownModelError as error:
                raise CatalogError(f"{where}: {name!r} is not a model of this catalog") from error
            if fallback.kind is not ModelKind.CHAT or fallback.name == model.name:
                raise CatalogError(f"{where}: {name!r} must be another chat model")
