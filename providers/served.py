"""What a provider gave, with the route that gave it (a fallback's model, maybe)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from providers.model import Model
from providers.registry import Route

T = TypeVar("T")


# Not frozen: one is built on every call, and a frozen dataclass sets each field through
# object.__setattr__ (about 1 k instructions a field). Nothing changes one once built.
@dataclass(slots=True)
class Served(Generic[T]):
    """An answer (a whole completion, or a stream's bytes) and the route of the attempt
    that answered: the call is billed at that route's model, which the client is told."""

    route: Route
    answer: T

    @property
    def model(self) -> Model:
        return self.route.model
