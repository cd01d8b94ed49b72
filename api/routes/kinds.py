"""Helpers shared by the routes: the kind of model a route serves, and the 400s of options
it cannot take."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from api.errors import InvalidRequestError
from providers.catalog import ModelKind
from providers.openai_media import MediaRequestError
from providers.registry import Registry, Route
from providers.unpriced import Unpriced


def route_of_kind(registry: Registry, name: str, *kinds: ModelKind) -> Route:
    """Resolve a model for a route that serves given kinds (an embedding model cannot speak).

    Checked before the gate, so a wrong model changes nothing in the database.
    """
    route = registry.route(name)
    if route.model.kind not in kinds:
        wanted = " or ".join(kinds)
        raise InvalidRequestError(
            f"{name!r} is a {route.model.kind} model; this route takes {wanted} models "
            "(GET /v1/models lists each model's kind)",
            param="model",
        )
    return route


@contextmanager
def as_invalid_request() -> Iterator[None]:
    """The providers package's request errors, as the 400 a client sees (the edge)."""
    try:
        yield
    except MediaRequestError as error:
        raise InvalidRequestError(error.message, param=error.param, code=error.code) from error


def refuse_unpriced(found: Unpriced | None) -> None:
    """An option the catalog cannot price (`providers.unpriced`), as a 400 naming the field.

    Called before the gate, so the refusal holds nothing and counts no strike.
    """
    if found is not None:
        raise InvalidRequestError(found.message, param=found.param, code="option_not_priced")
