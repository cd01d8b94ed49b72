"""What a request learned about itself, and the task context that carries it.

`RequestFacts` is filled in as a request runs (the middleware in `api.observe` makes it,
the gate, the billing and the relay add to it) and is the current task's context while it
runs (`current_facts`), so log records made meanwhile carry its ids (`api.logs`) and
aiohttp's client tracing learns which provider a billed call is talking to. aiohttp runs
each request in a task of its own, so one request's context never leaks into another's.

A module of its own so that both the logs and the middleware can read it without either
importing the other.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

from aiohttp import web

#: The route label of a request no route matched (404, 405).
UNMATCHED = "unmatched"


@dataclass(slots=True)
class RequestFacts:
    """One request as far as it is known; `None` (or "") where it is not."""

    request: web.Request
    #: `time.monotonic()` when the request reached the service.
    arrived: float
    #: The request's id (`request[REQUEST_ID]`), kept here for the log records.
    request_id: str
    account_id: int | None = None
    key_prefix: str | None = None
    provider: str = ""
    #: Units charged; None for a request that settled no call.
    cost: int | None = None

    @property
    def route(self) -> str:
        resource = self.request.match_info.route.resource
        return UNMATCHED if resource is None else resource.canonical


FACTS = web.RequestKey("request_facts", RequestFacts)
# A context variable is a key into each task's own context, so it is made once per process
# like any other key; the value it keys belongs to one request.
CURRENT_FACTS: ContextVar[RequestFacts | None] = ContextVar("myapi_request_facts", default=None)


def current_facts() -> RequestFacts | None:
    """The facts of the request the current task is handling, if any."""
    return CURRENT_FACTS.get()


def provider_of_call() -> str | None:
    """The provider of the billed call running in the current task (aiohttp tracing)."""
    facts = CURRENT_FACTS.get()
    return facts.provider if facts is not None and facts.provider else None
