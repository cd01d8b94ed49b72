"""The I/O of managing stored responses: retrieve, delete, cancel, list input items.

These calls cost nothing at OpenAI and name no model, so they go to the OpenAI provider
itself (`stored_responses_route`), with the operator's key, over the one `Upstream`; any
non-2xx answer has already become an `UpstreamError` there. Which ids a user may name is
not decided here (see `api.response_owners`). With several OpenAI keys, each attempt may
take another key (`Upstream.open`): the keys must belong to one OpenAI project, which
keeps the stored responses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

from providers.catalog import Model
from providers.errors import ProviderUnavailableError
from providers.http import Upstream, UpstreamRequest
from providers.openai_responses import RESPONSES_PROVIDER
from providers.registry import Registry, Route

#: What a management call is recorded under: it uses no model and is free.
STORED_RESPONSES = Model(name="responses", provider=RESPONSES_PROVIDER, upstream="responses")


@dataclass(frozen=True, slots=True)
class StoredReply:
    """The provider's answer as sent: status, bytes and their type."""

    status: int
    body: bytes
    content_type: str


def stored_responses_route(registry: Registry) -> Route:
    """Where management calls go; ProviderUnavailableError (503, before the gate) when the
    operator has no OpenAI key."""
    provider = registry.providers.get(RESPONSES_PROVIDER)
    if provider is None or not provider.available:
        raise ProviderUnavailableError(RESPONSES_PROVIDER)
    return Route(model=STORED_RESPONSES, provider=provider)


class StoredResponses:
    """Calls on one stored response, `/responses/{id}` and below."""

    def __init__(self, upstream: Upstream) -> None:
        self._upstream = upstream

    async def call(
        self,
        route: Route,
        method: str,
        response_id: str,
        action: str = "",
        params: Mapping[str, str] | None = None,
    ) -> StoredReply:
        """`method` on the response (`action` is "", "/cancel" or "/input_items")."""
        path = f"/responses/{quote(response_id, safe='')}{action}"

        def build(attempt: Route) -> UpstreamRequest:
            """The call on the attempt's key and address."""
            headers = {"Authorization": f"Bearer {attempt.api_key}"}
            return UpstreamRequest(
                method, f"{attempt.openai_base_url}{path}", headers, None, params
            )

        opened = await self._upstream.open(route, build)
        async with opened.response as response:
            body = await self._upstream.read(response)
            content_type = response.headers.get("Content-Type", "application/json")
        return StoredReply(response.status, body, content_type)
