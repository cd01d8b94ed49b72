"""`GET /metrics`: who may read it, and each counter moved by exactly what happened.

Every call goes over loopback through the real app to the fake upstream; the scrape is read
back with prometheus-client's own parser (`tests/metrics_harness.py`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import openai
import pytest
from pytest_aiohttp import AiohttpClient

from api.app import create_api_app
from providers.catalog import load_catalog
from providers.usage import TokenUsage
from tests.conftest import ApiHarness
from tests.error_shape import assert_openai_shape
from tests.metrics_harness import BEARER, Measured, Samples, open_measured
from tests.process import free_port

MODEL = load_catalog().get("gpt-4o-mini")
BODY: dict[str, Any] = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
CHAT = "/v1/chat/completions"


@pytest.fixture
async def measured(
    api: ApiHarness, provider_urls: dict[str, str], aiohttp_client: AiohttpClient
) -> Measured:
    return await open_measured(api, provider_urls, aiohttp_client)


async def scrape_when(measured: Measured, ready: Callable[[Samples], bool]) -> Samples:
    """The first scrape where `ready` holds: a request is counted once its handler returned,
    which can be just after its client read the last byte (polled, with a bound)."""
    for _ in range(300):
        samples = await measured.scrape()
        if ready(samples):
            return samples
        await asyncio.sleep(0.01)
    raise AssertionError("the metrics never showed it")


def requests(samples: Samples, status: str, provider: str = "openai", route: str = CHAT) -> float:
    return samples.value(
        "myapi_requests_total", method="POST", route=route, status=status, provider=provider
    )


async def test_without_a_token_setting_metrics_is_an_unknown_route(api: ApiHarness) -> None:
    response = await api.client.get("/metrics", headers=BEARER)
    assert response.status == 404
    assert_openai_shape(await response.json())


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong-token"}, {"Authorization": "Basic " + "x" * 20}],
    ids=["no token", "wrong token", "another scheme"],
)
async def test_metrics_refuse_a_missing_or_wrong_token(
    measured: Measured, headers: dict[str, str]
) -> None:
    response = await measured.client.get("/metrics", headers=headers)
    assert response.status == 401
    assert_openai_shape(await response.json())
    assert "myapi_" not in await response.text()


async def test_the_right_token_gets_prometheus_text(measured: Measured) -> None:
    response = await measured.client.get("/metrics", headers=BEARER)
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    samples = Samples(await response.text())
    assert samples.has("process_cpu_seconds_total")
    assert samples.value("myapi_holds_open") == 0


async def test_a_billed_chat_call_is_counted_timed_and_its_charge_added(
    measured: Measured,
) -> None:
    key = await measured.api.register()
    base_url = str(measured.client.make_url("/v1"))
    async with openai.AsyncOpenAI(api_key=key, base_url=base_url, max_retries=0) as client:
        raw = await client.chat.completions.with_raw_response.create(**BODY)
    cost = int(raw.headers["X-Myapi-Cost-Units"])
    assert cost == MODEL.cost_of(TokenUsage(12, 5)) > 0
    samples = await scrape_when(measured, lambda s: requests(s, "200") == 1)
    assert samples.value("myapi_charged_units_total", provider="openai") == cost
    assert samples.value("myapi_shortfall_units_total", provider="openai") == 0
    timed = {"method": "POST", "route": CHAT, "provider": "openai"}
    assert samples.value("myapi_request_duration_seconds_count", **timed) == 1
    assert samples.value("myapi_upstream_duration_seconds_count", provider="openai") == 1
    assert samples.value("myapi_stream_first_byte_seconds_count", provider="openai") == 0
    assert samples.value("myapi_auth_failures_total", reason="bad_key") == 0


async def test_a_stream_is_open_while_relayed_and_its_first_byte_timed(
    measured: Measured,
) -> None:
    measured.api.upstream.pause_stream = asyncio.Event()
    key = await measured.api.register()
    body = {**BODY, "stream": True, "stream_options": {"include_usage": True}, "key": key}
    async with measured.client.post(CHAT, json=body) as response:
        assert b'"content"' in await response.content.readany()
        during = await measured.scrape()
        measured.api.upstream.pause_stream.set()
        await response.read()
    [call] = await measured.api.settled_calls()
    assert during.value("myapi_streams_open", provider="openai") == 1
    assert during.value("myapi_stream_first_byte_seconds_count", provider="openai") == 1
    after = await scrape_when(measured, lambda s: requests(s, "200") == 1)
    assert after.value("myapi_streams_open", provider="openai") == 0
    assert after.value("myapi_charged_units_total", provider="openai") == call["cost"] > 0


async def test_a_provider_breaking_a_stream_is_an_upstream_connection_error(
    measured: Measured,
) -> None:
    measured.api.upstream.cut_stream_after = 2
    key = await measured.api.register()
    body = {**BODY, "stream": True, "key": key}
    async with measured.client.post(CHAT, json=body) as response:
        assert b"error" in await response.read()
    samples = await scrape_when(measured, lambda s: requests(s, "200") == 1)
    errors = {"provider": "openai", "kind": "connection"}
    assert samples.value("myapi_upstream_errors_total", **errors) == 1
    assert samples.value("myapi_streams_open", provider="openai") == 0


@pytest.mark.parametrize(
    ("upstream_status", "status", "kind"),
    [
        (500, "502", "5xx"),
        # The only key rests (tests/test_key_failover.py): 503 until it is back.
        (429, "503", "rate_limited"),
        (400, "400", "4xx"),
        (401, "503", "operator_key"),
    ],
)
async def test_an_upstream_error_is_counted_by_class_and_costs_nothing(
    measured: Measured, upstream_status: int, status: str, kind: str
) -> None:
    measured.api.upstream.fail_status = upstream_status
    key = await measured.api.register()
    response = await measured.client.post(CHAT, json={**BODY, "key": key})
    assert response.status == int(status)
    samples = await scrape_when(measured, lambda s: requests(s, status) == 1)
    assert samples.value("myapi_upstream_errors_total", provider="openai", kind=kind) == 1
    assert (
        sum(
            samples.value("myapi_upstream_errors_total", provider="openai", kind=other)
            for other in ("5xx", "rate_limited", "4xx", "operator_key", "connection", "timeout")
        )
        == 1
    )
    assert samples.value("myapi_charged_units_total", provider="openai") == 0
    assert samples.value("myapi_upstream_duration_seconds_count", provider="openai") == 1


async def test_a_provider_nobody_answers_for_is_a_connection_error(
    api: ApiHarness, provider_urls: dict[str, str], aiohttp_client: AiohttpClient
) -> None:
    closed = {**provider_urls, "openai": f"http://127.0.0.1:{free_port()}/v1"}
    measured = await open_measured(api, closed, aiohttp_client)
    key = await api.register()
    response = await measured.client.post(CHAT, json={**BODY, "key": key})
    assert response.status == 502
    samples = await scrape_when(measured, lambda s: requests(s, "502") == 1)
    errors = {"provider": "openai", "kind": "connection"}
    assert samples.value("myapi_upstream_errors_total", **errors) == 1


async def test_a_provider_too_slow_is_a_timeout(
    api: ApiHarness, provider_urls: dict[str, str], aiohttp_client: AiohttpClient
) -> None:
    measured = await open_measured(api, provider_urls, aiohttp_client, read_timeout=0.2)
    api.upstream.delay = 0.6
    key = await api.register()
    response = await measured.client.post(CHAT, json={**BODY, "key": key})
    assert response.status == 504
    samples = await scrape_when(measured, lambda s: requests(s, "504") == 1)
    errors = {"provider": "openai", "kind": "timeout"}
    assert samples.value("myapi_upstream_errors_total", **errors) == 1


async def test_wrong_keys_are_failed_authentications_and_the_fifth_locks(
    measured: Measured,
) -> None:
    key = await measured.api.register()
    wrong = {**BODY, "username": "alice", "key": key[:-4] + "XXXX"}
    for _ in range(5):
        assert (await measured.client.post(CHAT, json=wrong)).status == 401
    unknown = {**BODY, "key": key[::-1]}
    assert (await measured.client.post(CHAT, json=unknown)).status == 401
    assert (await measured.client.post(CHAT, json={**BODY, "key": key})).status == 403
    samples = await scrape_when(measured, lambda s: requests(s, "403") == 1)
    assert samples.value("myapi_auth_failures_total", reason="bad_key") == 5
    assert samples.value("myapi_auth_failures_total", reason="unknown") == 1
    assert samples.value("myapi_account_locks_total", strike="bad_key") == 1
    assert requests(samples, "401") == 6  # billed routes name their provider, refused too


async def test_a_balance_too_small_for_the_usage_is_a_shortfall(measured: Measured) -> None:
    measured.api.upstream.completion_tokens = 100_000  # far past what max_tokens held
    key = await measured.api.register(credit=1000)
    response = await measured.client.post(CHAT, json={**BODY, "key": key, "max_tokens": 10})
    assert response.status == 200
    cost = MODEL.cost_of(TokenUsage(12, 100_000))
    samples = await scrape_when(measured, lambda s: requests(s, "200") == 1)
    assert samples.value("myapi_charged_units_total", provider="openai") == 1000
    assert samples.value("myapi_shortfall_units_total", provider="openai") == cost - 1000


async def test_two_apps_in_one_process_keep_their_own_counts(
    measured: Measured, aiohttp_client: AiohttpClient
) -> None:
    other = await aiohttp_client(create_api_app(None, max_body_bytes=1024, metrics_token="t"))
    assert (await other.get("/v1/nowhere")).status == 404
    ours = await measured.scrape()
    assert (
        ours.value(
            "myapi_requests_total", method="GET", route="unmatched", status="404", provider=""
        )
        == 0
    )
    theirs = Samples(
        await (await other.get("/metrics", headers={"Authorization": "Bearer t"})).text()
    )
    assert (
        theirs.value(
            "myapi_requests_total", method="GET", route="unmatched", status="404", provider=""
        )
        == 1
    )


async def test_the_openapi_document_lists_metrics_only_where_it_is_served(
    measured: Measured, api: ApiHarness
) -> None:
    served = await (await measured.client.get("/openapi.json")).json()
    assert served["paths"]["/metrics"]["get"]["tags"] == ["operator"]
    unserved = await (await api.client.get("/openapi.json")).json()
    assert "/metrics" not in unserved["paths"]
