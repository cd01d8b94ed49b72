"""The API harness's app with its metrics on, wired as the service wires it, and a scrape
read back with prometheus-client's own parser."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web
from aiohttp.test_utils import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pytest_aiohttp import AiohttpClient

from api.app import create_api_app
from api.context import CONTEXT
from api.observe import METRICS
from api.request_facts import provider_of_call
from providers.transport import UpstreamLimits, create_client_session
from tests.api_harness import ApiHarness, build_context, operator_providers

TOKEN = "metrics-token-for-tests-0123456789"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


class Samples:
    """Every sample of one scrape, by name and labels; a sample never exposed reads 0."""

    def __init__(self, text: str) -> None:
        self._values = {
            (sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
        }

    def value(self, name: str, **labels: str) -> float:
        return self._values.get((name, frozenset(labels.items())), 0.0)

    def has(self, name: str) -> bool:
        return any(sample_name == name for sample_name, _ in self._values)


@dataclass
class Measured:
    """A measured app over the harness's storage and fakes; `api` is the harness itself."""

    client: TestClient[web.Request, web.Application]
    api: ApiHarness

    async def scrape(self) -> Samples:
        response = await self.client.get("/metrics", headers=BEARER)
        assert response.status == 200, await response.text()
        return Samples(await response.text())


async def open_measured(
    api: ApiHarness,
    provider_urls: dict[str, str],
    aiohttp_client: AiohttpClient,
    *,
    read_timeout: float = 10.0,
) -> Measured:
    """The service's wiring: the metrics made by the app, the upstream session traced by
    them, the money held read from the harness's storage at each scrape. The caller's
    test closes the session with the client (aiohttp_client's teardown)."""
    app = create_api_app(None, max_body_bytes=64 * 1024, metrics_token=TOKEN)
    metrics = app[METRICS]
    limits = UpstreamLimits(connect_timeout=2, read_timeout=read_timeout, max_connections=16)
    session = create_client_session(limits, trace_configs=metrics.trace_configs(provider_of_call))

    async def close_session(_: web.Application) -> None:
        await session.close()

    app.on_cleanup.append(close_session)
    app[CONTEXT] = build_context(api.storage, operator_providers(provider_urls), session)
    metrics.watch_held(api.storage.reports.held)
    return Measured(await aiohttp_client(app), api)
