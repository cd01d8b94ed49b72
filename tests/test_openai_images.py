"""`POST /v1/images/generations` over the real app and the fake upstream."""

from __future__ import annotations

import base64
import io
from typing import Any

import pytest
from PIL import Image

from tests.conftest import OPERATOR_KEY, ApiHarness

BODY: dict[str, Any] = {
    "model": "dall-e-3",
    "prompt": "a lighthouse at dusk",
    "size": "1792x1024",
    "quality": "hd",
    "style": "natural",
    "response_format": "url",
}


async def calls(api: ApiHarness) -> list[dict[str, Any]]:
    rows = await api.storage.database.fetch_all(
        "SELECT endpoint, model, status, input_units, output_units, cost, held "
        "FROM calls ORDER BY id"
    )
    return [dict(row) for row in rows]


async def test_the_upstream_gets_the_body_without_credentials(api: ApiHarness) -> None:
    key = await api.register()
    response = await api.client.post(
        "/v1/images/generations", json={**BODY, "username": "alice", "key": key}
    )
    assert response.status == 200
    [received] = api.upstream.requests
    assert (received.path, received.body) == ("/v1/images/generations", BODY)
    assert received.headers["Authorization"] == f"Bearer {OPERATOR_KEY}"


async def test_an_hd_wide_dall_e_3_image_costs_its_listed_price(api: ApiHarness) -> None:
    key = await api.register()
    response = await api.client.post("/v1/images/generations", json={**BODY, "key": key})
    data = await response.json()
    assert data["data"] == [{"url": "https://images.example/0.png"}]
    # dall-e-3 1792x1024/hd: 0.120 USD
    assert response.headers["X-Myapi-Cost-Units"] == "120000"
    assert await api.balance() == 10**6 - 120_000
    assert await calls(api) == [
        {
            "endpoint": "/v1/images/generations",
            "model": "dall-e-3",
            "status": 200,
            "input_units": 0,
            "output_units": 1,
            "cost": 120_000,
            "held": 120_000,
        }
    ]


async def test_omitted_size_and_quality_are_sent_as_the_billed_defaults(api: ApiHarness) -> None:
    key = await api.register()
    body = {"model": "dall-e-2", "prompt": "a cat", "key": key}
    response = await api.client.post("/v1/images/generations", json=body)
    assert response.status == 200
    [received] = api.upstream.requests
    assert (received.body["size"], received.body["quality"]) == ("1024x1024", "standard")
    assert await api.balance() == 10**6 - 20_000


async def test_n_images_are_held_and_each_returned_one_billed(api: ApiHarness) -> None:
    api.upstream.media.images_returned = 2
    key = await api.register()
    body = {"model": "dall-e-2", "prompt": "a cat", "n": 3, "size": "256x256", "key": key}
    await api.client.post("/v1/images/generations", json=body)
    [call] = await calls(api)
    # dall-e-2 256x256: 0.016 USD; three held, two made
    assert (call["held"], call["output_units"], call["cost"]) == (48_000, 2, 32_000)
    assert await api.balance() == 10**6 - 32_000


async def test_gpt_image_1_is_billed_its_tokens_and_always_answers_base64(
    api: ApiHarness,
) -> None:
    key = await api.register()
    body = {
        "model": "gpt-image-1",
        "prompt": "a cat",
        "size": "1024x1536",
        "quality": "high",
        "response_format": "b64_json",
        "background": "transparent",
        "key": key,
    }
    response = await api.client.post("/openai/v1/images/generations", json=body)
    [image] = (await response.json())["data"]
    png = Image.open(io.BytesIO(base64.b64decode(image["b64_json"])))
    assert (png.format, png.size) == ("PNG", (1024, 1536))
    assert png.getpixel((0, 0)) == api.upstream.media.image_color
    [received] = api.upstream.requests
    assert "response_format" not in received.body
    assert received.body["background"] == "transparent"
    # 6240 image tokens (1024x1536, high) at 40.00 USD per 1M, 2 prompt tokens at 5.00
    assert await api.balance() == 10**6 - 6240 * 40 - 2 * 5


async def test_a_base64_image_is_passed_on_byte_for_byte(api: ApiHarness) -> None:
    api.upstream.media.image_bytes = b"\x89PNG\r\n\x1a\n, then anything"
    key = await api.register()
    body = {"model": "dall-e-2", "prompt": "a cat", "response_format": "b64_json", "key": key}
    response = await api.client.post("/v1/images/generations", json=body)
    [image] = (await response.json())["data"]
    assert base64.b64decode(image["b64_json"]) == api.upstream.media.image_bytes


@pytest.mark.parametrize(
    ("change", "param", "named"),
    [
        ({"size": "512x512"}, "size", "1024x1024, 1024x1792, 1792x1024"),
        ({"quality": "low"}, "quality", "hd, standard"),
        ({"n": 2}, "n", "1 to 1"),
        ({"style": "anime"}, "style", "natural, vivid"),
        ({"model": "dall-e-2", "quality": "hd"}, "quality", "standard"),
        ({"model": "gpt-image-1", "size": "1024x1024", "quality": "hd"}, "quality", "low, "),
        ({"model": "gpt-image-1", "style": None}, "size", "1024x1536, 1536x1024, auto"),
        ({"model": "stable-diffusion-v1-6"}, "model", "own route"),
        ({"model": "tts-1"}, "model", "image models"),
        ({"n": "2"}, "n", ""),
    ],
)
async def test_an_unpriced_option_is_400_naming_the_allowed_ones_and_costs_nothing(
    api: ApiHarness, change: dict[str, Any], param: str, named: str
) -> None:
    key = await api.register()
    body = {k: v for k, v in {**BODY, **change, "key": key}.items() if v is not None}
    response = await api.client.post("/v1/images/generations", json=body)
    error = (await response.json())["error"]
    assert (response.status, error["param"]) == (400, param)
    assert named in error["message"]
    assert api.upstream.requests == []
    assert await calls(api) == []
    assert await api.balance() == 10**6


async def test_a_balance_below_n_images_is_402_and_nothing_is_made(api: ApiHarness) -> None:
    key = await api.register(credit=100_000)
    response = await api.client.post("/v1/images/generations", json={**BODY, "key": key})
    assert response.status == 402
    assert api.upstream.requests == []


async def test_upstream_400_passes_on_and_costs_nothing(api: ApiHarness) -> None:
    api.upstream.fail_status = 400
    api.upstream.fail_message = "Your request was rejected by the safety system."
    key = await api.register()
    response = await api.client.post("/v1/images/generations", json={**BODY, "key": key})
    assert response.status == 400
    assert "safety system" in (await response.json())["error"]["message"]
    assert await api.balance() == 10**6


async def test_upstream_500_is_502_and_leaves_no_hold(api: ApiHarness) -> None:
    api.upstream.fail_status = 500
    key = await api.register()
    response = await api.client.post("/v1/images/generations", json={**BODY, "key": key})
    assert response.status == 502
    account = await api.storage.accounts.by_username("alice")
    assert account is not None
    assert (account.balance, account.reserved) == (10**6, 0)
