"""POST /api/v1/images: generation through the gate, the fake provider, the filter, storage."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from storage.images import QuotaUsage
from tests.conftest import OPERATOR_KEY, ApiHarness
from tests.fakes.openai_media import solid_png
from tests.ledger import account_state, calls
from tests.library_calls import DALL_E_2_256, FIELDS, START, bearer, create

DALL_E_2_1024 = 20_000  # dall-e-2 1024x1024/standard: 0.020 USD


def pixel(data: bytes) -> tuple[int, ...]:
    with Image.open(io.BytesIO(data)) as image:
        value = image.convert("RGB").getpixel((0, 0))
    assert isinstance(value, tuple)
    return value


async def test_a_form_request_answers_201_with_the_stored_record(api: ApiHarness) -> None:
    key = await api.register()
    response = await create(api, key, style="anime", medium="ink")
    assert response.status == 201
    record = (await response.json())["data"]
    assert record["id"] > 0
    assert {name: record[name] for name in (*FIELDS, "style", "medium", "filter")} == {
        **FIELDS,
        "style": "anime",
        "medium": "ink",
        "filter": None,
    }
    assert (record["favorite"], record["model"], record["content_type"]) == (
        False,
        "dall-e-2",
        "image/png",
    )
    assert record["cost_units"] == DALL_E_2_256
    assert record["url"].endswith(f"/api/v1/images/{record['id']}/content")


async def test_an_unfiltered_image_is_stored_exactly_as_the_provider_drew_it(
    api: ApiHarness,
) -> None:
    key = await api.register()
    record = (await (await create(api, key)).json())["data"]
    content = await api.client.get(f"/api/v1/images/{record['id']}/content", headers=bearer(key))
    assert content.content_type == "image/png"
    assert await content.read() == solid_png((256, 256), (200, 100, 50))
    assert record["size_bytes"] == len(solid_png((256, 256), (200, 100, 50)))


async def test_a_json_request_is_taken_like_a_form(api: ApiHarness) -> None:
    key = await api.register()
    response = await api.client.post(
        "/api/v1/images", json={**FIELDS, "filter": "sepia"}, headers=bearer(key)
    )
    assert response.status == 201
    assert (await response.json())["data"]["filter"] == "sepia"


async def test_the_provider_gets_the_built_prompt_size_and_base64_format(
    api: ApiHarness,
) -> None:
    key = await api.register()
    await create(api, key, style="3d_render", medium="watercolor", resolution="512x512")
    [received] = api.upstream.requests
    assert received.path == "/v1/images/generations"
    assert received.headers["Authorization"] == f"Bearer {OPERATOR_KEY}"
    assert received.body == {
        "model": "dall-e-2",
        "prompt": "a lighthouse at dusk. Style: a 3D render. Medium: watercolor.",
        "n": 1,
        "size": "512x512",
        "quality": "standard",
        "response_format": "b64_json",
    }


async def test_generation_is_billed_once_at_the_models_price_for_the_size(
    api: ApiHarness,
) -> None:
    key = await api.register()
    response = await create(api, key, resolution="1024x1024")
    assert response.headers["X-Myapi-Cost-Units"] == str(DALL_E_2_1024)
    assert response.headers["X-Myapi-Balance-Units"] == str(START - DALL_E_2_1024)
    assert await account_state(api) == (START - DALL_E_2_1024, 0, 0)
    assert await calls(api) == [
        {
            "endpoint": "/api/v1/images",
            "provider": "openai",
            "model": "dall-e-2",
            "status": 201,
            "input_units": 0,
            "output_units": 1,
            "cost": DALL_E_2_1024,
            "held": DALL_E_2_1024,
        }
    ]


@pytest.mark.parametrize(
    ("image_filter", "expected"),
    [("grayscale", (124, 124, 124)), ("sepia", (165, 147, 114)), ("invert", (55, 155, 205))],
)
async def test_the_filter_changes_the_stored_pixels(
    api: ApiHarness, image_filter: str, expected: tuple[int, int, int]
) -> None:
    # The fake draws (200, 100, 50); the expected values follow api/library/imaging.py.
    key = await api.register()
    record = (await (await create(api, key, filter=image_filter)).json())["data"]
    content = await api.client.get(f"/api/v1/images/{record['id']}/content", headers=bearer(key))
    assert pixel(await content.read()) == expected


async def test_a_failed_generation_charges_nothing_and_stores_nothing(api: ApiHarness) -> None:
    key = await api.register()
    api.upstream.fail_status = 500
    response = await create(api, key)
    assert response.status == 502  # a provider's 5xx is the gateway's 502, as on every route
    assert (await response.json())["error"]["type"] == "upstream_error"
    assert await account_state(api) == (START, 0, 0)
    assert [(call["status"], call["cost"]) for call in await calls(api)] == [(502, 0)]
    assert await api.storage.images.usage(1) == QuotaUsage(0, 0)


async def test_an_unreadable_image_is_the_providers_502_and_free(api: ApiHarness) -> None:
    key = await api.register()
    api.upstream.media.image_bytes = b"<html>not an image</html>"
    response = await create(api, key)
    assert response.status == 502
    assert "image" in (await response.json())["error"]["message"]
    assert await account_state(api) == (START, 0, 0)
    assert (await api.storage.images.usage(1)).count == 0


async def test_an_answer_without_base64_is_a_502_and_free(api: ApiHarness) -> None:
    key = await api.register()
    api.upstream.media.images_returned = 0
    response = await create(api, key)
    assert response.status == 502
    assert await account_state(api) == (START, 0, 0)


@pytest.mark.parametrize(
    ("fields", "param", "named"),
    [
        ({"resolution": "300x300"}, "resolution", "1024x1024"),
        ({"style": "baroque"}, "style", "vaporwave"),
        ({"medium": "oil"}, "medium", "spray_paint"),
        ({"filter": "blur"}, "filter", "grayscale"),
        ({"resolution": ""}, "resolution", "required"),
        ({"name": ""}, "name", "required"),
        ({"description": "x" * 901}, "description", "900"),
        ({"colour": "red"}, "colour", "not permitted"),
    ],
)
async def test_bad_fields_are_a_400_naming_the_allowed_values_and_change_nothing(
    api: ApiHarness, fields: dict[str, str], param: str, named: str
) -> None:
    key = await api.register()
    response = await create(api, key, **fields)
    assert response.status == 400
    error = (await response.json())["error"]
    assert error["param"] == param
    assert named in error["message"]
    assert api.upstream.requests == []
    assert await account_state(api) == (START, 0, 0)
    assert await calls(api) == []


async def test_a_field_sent_twice_is_refused(api: ApiHarness) -> None:
    key = await api.register()
    body = "name=a&name=b&description=d&resolution=256x256"
    response = await api.client.post(
        "/api/v1/images",
        data=body,
        headers={**bearer(key), "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status == 400
    assert (await response.json())["error"]["param"] == "name"


async def test_a_body_of_another_type_is_refused_naming_the_accepted_ones(
    api: ApiHarness,
) -> None:
    key = await api.register()
    response = await api.client.post(
        "/api/v1/images", data=b"name=a", headers={**bearer(key), "Content-Type": "text/plain"}
    )
    assert response.status == 400
    assert "application/x-www-form-urlencoded" in (await response.json())["error"]["message"]


async def test_a_wrong_key_is_a_401_and_reaches_no_provider(api: ApiHarness) -> None:
    await api.register()
    response = await create(api, "myapi-wrong")
    assert response.status == 401
    assert api.upstream.requests == []


async def test_a_balance_below_the_price_is_a_402_before_the_provider(api: ApiHarness) -> None:
    key = await api.register(credit=DALL_E_2_256 - 1)
    response = await create(api, key)
    assert response.status == 402
    assert api.upstream.requests == []
    balance, reserved, strikes = await account_state(api)
    assert (balance, reserved) == (DALL_E_2_256 - 1, 0)
    assert strikes == 1  # DESIGN's gate: a 402 is a strike, as on every billed route


async def test_the_seeds_username_and_key_fields_are_credentials_not_image_fields(
    api: ApiHarness,
) -> None:
    key = await api.register()
    response = await api.client.post(
        "/api/v1/images", data={**FIELDS, "username": "alice", "key": key}
    )
    assert response.status == 201
    [sent] = api.upstream.requests
    assert key not in str(sent.body)
    assert (await api.storage.images.usage(1)).count == 1  # in the named user's library


async def test_a_repeated_idempotency_key_replays_without_a_second_image_or_charge(
    api: ApiHarness,
) -> None:
    key = await api.register()
    headers = {**bearer(key), "Idempotency-Key": "lighthouse-1"}
    first = await api.client.post("/api/v1/images", data=FIELDS, headers=headers)
    second = await api.client.post("/api/v1/images", data=FIELDS, headers=headers)
    assert (first.status, second.status) == (201, 201)
    assert await second.json() == await first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert len(api.upstream.requests) == 1
    assert await account_state(api) == (START - DALL_E_2_256, 0, 0)
    assert (await api.storage.images.usage(1)).count == 1


def test_the_fake_draws_a_real_png_of_the_asked_size_and_colour() -> None:
    with Image.open(io.BytesIO(solid_png((512, 512), (1, 2, 3)))) as image:
        assert (image.format, image.size) == ("PNG", (512, 512))
        assert image.convert("RGB").getcolors() == [(512 * 512, (1, 2, 3))]
