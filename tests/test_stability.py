"""`POST /stability/v1/generation/{engine_id}/text-to-image` over the real app and a real
fake Stability: the seed's own call (001), what Stability receives, what each image costs."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from providers.catalog import load_catalog
from tests.conftest import OPERATOR_KEY, ApiHarness
from tests.fakes.stability import FakeStability
from tests.ledger import account_state, calls

ENGINE = "stable-diffusion-xl-1024-v1-0"
URL = f"/stability/v1/generation/{ENGINE}/text-to-image"
PRICE = load_catalog().get(ENGINE).per_image  # 0.006 USD = 6000 units
CREDIT = 10**6
#: The seed's payload, as its stability_txt2img() builds it.
SEED_BODY: dict[str, Any] = {
    "width": 1024,
    "height": 1024,
    "steps": 30,
    "cfg_scale": 7.0,
    "seed": 0,
    "samples": 1,
    "text_prompts": [
        {"text": "A small cozy robotics lab, cinematic lighting, ultra detailed", "weight": 1.0},
        {"text": "blurry, lowres, watermark, text", "weight": -1.0},
    ],
    "style_preset": "cinematic",
}

pytestmark = pytest.mark.fake_providers("stability")


def seed_headers(key: str) -> dict[str, str]:
    """The seed's headers, with our key where the seed puts Stability's."""
    return {
        "Authorization": f"Bearer {key}",
        "Accept": "application/json",
        "Content-Type": "application/json",
    }


async def test_the_seeds_call_reaches_stability_with_the_operators_key(
    api: ApiHarness, fake_stability: FakeStability
) -> None:
    key = await api.register()
    response = await api.client.post(URL, json=SEED_BODY, headers=seed_headers(key))
    assert response.status == 200
    [received] = fake_stability.requests
    assert received.path == f"/v1/generation/{ENGINE}/text-to-image"
    assert received.headers["Authorization"] == f"Bearer {OPERATOR_KEY}"
    assert received.headers["Accept"] == "application/json"
    assert received.body == SEED_BODY
    assert key not in str(received)


async def test_the_answer_is_stabilitys_json_with_a_real_image(api: ApiHarness) -> None:
    key = await api.register()
    response = await api.client.post(URL, json=SEED_BODY, headers=seed_headers(key))
    [artifact] = (await response.json())["artifacts"]
    assert artifact["finishReason"] == "SUCCESS"
    assert base64.b64decode(artifact["base64"]).startswith(b"\x89PNG\r\n\x1a\n")


async def test_body_credentials_are_stripped(
    api: ApiHarness, fake_stability: FakeStability
) -> None:
    key = await api.register()
    response = await api.client.post(URL, json={**SEED_BODY, "username": "alice", "key": key})
    assert response.status == 200
    [received] = fake_stability.requests
    assert received.body == SEED_BODY
    assert "Authorization" in received.headers
    assert key not in str(received)


async def test_each_delivered_image_is_billed_at_the_engines_price(api: ApiHarness) -> None:
    key = await api.register(credit=CREDIT)
    response = await api.client.post(
        URL, json={**SEED_BODY, "samples": 3}, headers=seed_headers(key)
    )
    assert PRICE == 6000
    assert response.headers["X-Myapi-Cost-Units"] == str(3 * PRICE)
    assert response.headers["X-Myapi-Balance-Units"] == str(CREDIT - 3 * PRICE)
    assert await account_state(api) == (CREDIT - 3 * PRICE, 0, 0)
    assert await calls(api) == [
        {
            "endpoint": URL,
            "provider": "stability",
            "model": ENGINE,
            "status": 200,
            "input_units": 0,
            "output_units": 3,
            "cost": 3 * PRICE,
            "held": 3 * PRICE,
        }
    ]


async def test_filtered_and_failed_artifacts_are_not_billed(
    api: ApiHarness, fake_stability: FakeStability
) -> None:
    fake_stability.finish_reasons = ["SUCCESS", "CONTENT_FILTERED", "ERROR"]
    key = await api.register(credit=CREDIT)
    response = await api.client.post(
        URL, json={**SEED_BODY, "samples": 3}, headers=seed_headers(key)
    )
    assert len((await response.json())["artifacts"]) == 3  # the client still sees all three
    assert await account_state(api) == (CREDIT - PRICE, 0, 0)
    [call] = await calls(api)
    assert (call["output_units"], call["cost"]) == (1, PRICE)


async def test_a_balance_below_samples_times_the_price_is_402(
    api: ApiHarness, fake_stability: FakeStability
) -> None:
    key = await api.register(credit=2 * PRICE)
    response = await api.client.post(
        URL, json={**SEED_BODY, "samples": 3}, headers=seed_headers(key)
    )
    assert response.status == 402
    assert fake_stability.requests == []


@pytest.mark.parametrize(
    "change",
    [
        {"samples": 0},
        {"samples": 11},
        {"samples": "2"},
        {"width": "1024"},
        {"height": 1024.5},
        {"text_prompts": []},
    ],
)
async def test_invalid_requests_are_400_and_cost_nothing(
    api: ApiHarness, fake_stability: FakeStability, change: dict[str, Any]
) -> None:
    key = await api.register()
    response = await api.client.post(URL, json={**SEED_BODY, **change}, headers=seed_headers(key))
    assert response.status == 400
    assert (await response.json())["error"]["param"] == next(iter(change))
    assert fake_stability.requests == []
    assert await account_state(api) == (CREDIT, 0, 0)


@pytest.mark.parametrize("engine", ["stable-diffusion-9", "dall-e-3", "gpt-4o-mini"])
async def test_engines_that_are_not_stability_image_models_are_404(
    api: ApiHarness, fake_stability: FakeStability, engine: str
) -> None:
    key = await api.register()
    response = await api.client.post(
        f"/stability/v1/generation/{engine}/text-to-image",
        json=SEED_BODY,
        headers=seed_headers(key),
    )
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "model_not_found"
    assert fake_stability.requests == []
    assert await calls(api) == []


@pytest.mark.parametrize(
    ("upstream_status", "client_status"), [(400, 400), (401, 503), (403, 503), (500, 502)]
)
async def test_upstream_errors_cost_nothing_and_hold_nothing(
    api: ApiHarness, fake_stability: FakeStability, upstream_status: int, client_status: int
) -> None:
    fake_stability.fail_status = upstream_status
    fake_stability.fail_message = "height and width must be specified in increments of 64"
    key = await api.register()
    response = await api.client.post(URL, json=SEED_BODY, headers=seed_headers(key))
    assert response.status == client_status
    if upstream_status == 400:
        assert "increments of 64" in (await response.json())["error"]["message"]
    assert await account_state(api) == (CREDIT, 0, 0)
    [call] = await calls(api)
    assert (call["status"], call["cost"]) == (client_status, 0)


@pytest.mark.parametrize("upstream_read_timeout", [0.2])
async def test_an_upstream_timeout_is_504_and_costs_nothing(
    api: ApiHarness, fake_stability: FakeStability
) -> None:
    fake_stability.delay = 0.6
    key = await api.register()
    response = await api.client.post(URL, json=SEED_BODY, headers=seed_headers(key))
    assert response.status == 504
    assert await account_state(api) == (CREDIT, 0, 0)
