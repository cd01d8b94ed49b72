"""Helpers shared by the routes that serve one kind of model (embeddings, images, audio)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from api.errors import InvalidRequestError
from providers.catalog import ModelKind
from providers.openai_media import MediaRequestError
from providers.registry import Registry, Route


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
        raise InvalidRequestError(error.message, param=error.param) from error
