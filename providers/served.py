"""What a provider gave, with the route that gave it (a fallback's model, maybe)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from providers.model import Model
from providers.registry import Route

T = TypeVar("T")


# Not frozen, though never changed: built on every call (why: `storage.models.CallRecord`).
@dataclass(slots=True)
class Served(Generic[T]):
    """An answer (a whole completion, or a stream's bytes) and the route of the attempt
    that answered: the call is billed at that route's model, which the client is told."""

    route: Route
    answer: T

    @property
    def model(self) -> Model:
        return self.route.model
