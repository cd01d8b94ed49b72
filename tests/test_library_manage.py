"""`/api/v1/images/{id}`: show, content, update and delete, private to their owner and free."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import ClientResponse

from storage.images import StoredImage
from tests.conftest import ApiHarness
from tests.ledger import account_state, calls
from tests.library_api import IMAGES, Library, error_of, open_library, png

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
#: Every request about one image, with a body where it takes one; DELETE comes last.
ONE_IMAGE_REQUESTS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "", None),
    ("GET", "/content", None),
    ("PUT", "", {"name": "renamed", "favorite": True}),
    ("PATCH", "", {"favorite": True}),
    ("DELETE", "", None),
]


@pytest.fixture
async def alice(api: ApiHarness) -> Library:
    return await open_library(api)


@pytest.fixture
async def bob(api: ApiHarness) -> Library:
    return await open_library(api, telegram_id=8, name="bob")


async def record(library: Library, image_id: int) -> dict[str, Any]:
    response = await library.request("GET", f"{IMAGES}/{image_id}")
    assert response.status == 200, await response.text()
    data: dict[str, Any] = (await response.json())["data"]
    return data


async def put_form(library: Library, image_id: int, form: str) -> ClientResponse:
    headers = {**library.headers, **FORM}
    return await library.request("PUT", f"{IMAGES}/{image_id}", data=form, headers=headers)


# --- show and content --------------------------------------------------------------------


async def test_show_answers_the_record_with_every_field(alice: Library) -> None:
    image = await alice.store("lighthouse", resolution="512x512", style="anime", filter="sepia")
    data = await record(alice, image.id)
    assert data == {
        "id": image.id,
        "name": "lighthouse",
        "description": "a picture of lighthouse",
        "prompt": "draw lighthouse",
        "resolution": "512x512",
        "style": "anime",
        "medium": None,
        "filter": "sepia",
        "favorite": False,
        "model": "dall-e-3",
        "cost": "0.04",
        "cost_units": 40_000,
        "content_type": "image/png",
        "size_bytes": image.size_bytes,
        "url": str(alice.api.client.make_url(f"{IMAGES}/{image.id}/content")),
        "created_at": "2027-01-15T08:00:00Z",
        "updated_at": "2027-01-15T08:00:00Z",
    }


@pytest.mark.parametrize(
    ("image_format", "content_type"), [("PNG", "image/png"), ("JPEG", "image/jpeg")]
)
async def test_content_is_the_stored_bytes_with_their_type(
    alice: Library, image_format: str, content_type: str
) -> None:
    data = png(77, size=(8, 8), image_format=image_format)
    image = await alice.store("tide", data=data, content_type=content_type)
    response = await alice.request("GET", f"{IMAGES}/{image.id}/content")
    assert response.status == 200
    assert response.headers["Content-Type"] == content_type
    assert await response.read() == data
    # One user's picture: a shared cache (a proxy, a CDN) must never keep it for another.
    directives = {part.strip() for part in response.headers["Cache-Control"].split(",")}
    assert "private" in directives
    assert "public" not in directives


async def test_content_takes_the_key_in_the_query_for_img_tags(alice: Library) -> None:
    image = await alice.store("tide", data=png(5))
    path = f"{IMAGES}/{image.id}/content?key={alice.key}"
    response = await alice.request("GET", path, headers={})
    assert (response.status, await response.read()) == (200, png(5))


# --- update ------------------------------------------------------------------------------


async def test_put_form_renames_the_image(alice: Library) -> None:
    image = await alice.store("draft")
    alice.api.clock.advance(60)
    response = await put_form(alice, image.id, "name=Final+cut")
    assert response.status == 200
    data = (await response.json())["data"]
    assert (data["name"], data["updated_at"]) == ("Final cut", "2027-01-15T08:01:00Z")
    assert (await record(alice, image.id))["name"] == "Final cut"


async def test_patch_json_renames_the_image(alice: Library) -> None:
    image = await alice.store("draft")
    response = await alice.request("PATCH", f"{IMAGES}/{image.id}", json={"name": "Mountains"})
    assert response.status == 200
    assert (await record(alice, image.id))["name"] == "Mountains"


async def test_a_favourite_set_by_form_is_seen_by_the_favorite_filter(alice: Library) -> None:
    image = await alice.store("loved")
    await alice.store("plain")
    response = await put_form(alice, image.id, "favorite=1")
    assert (await response.json())["data"]["favorite"] is True
    assert await alice.names(favorite="true") == ["loved"]


async def test_a_favourite_unset_by_json_leaves_the_favorite_filter(alice: Library) -> None:
    image = await alice.store("loved")
    await alice.api.storage.images.update(alice.account_id, image.id, favorite=True)
    path = f"{IMAGES}/{image.id}"
    response = await alice.request("PATCH", path, json={"favorite": False})
    assert (await response.json())["data"]["favorite"] is False
    assert await alice.names(favorite="true") == []
    assert await alice.names(favorite="false") == ["loved"]


async def test_an_empty_put_answers_the_record_unchanged(alice: Library) -> None:
    image = await alice.store("still")
    before = await record(alice, image.id)
    alice.api.clock.advance(60)
    response = await alice.request("PUT", f"{IMAGES}/{image.id}")
    assert (response.status, (await response.json())["data"]) == (200, before)


async def test_an_empty_name_in_a_form_is_no_change(alice: Library) -> None:
    """Empty values are absent, as the seed's forms send unset fields."""
    image = await alice.store("still")
    response = await put_form(alice, image.id, "name=&favorite=1")
    data = (await response.json())["data"]
    assert (response.status, data["name"], data["favorite"]) == (200, "still", True)


async def test_an_empty_name_in_json_is_no_change(alice: Library) -> None:
    """JSON bodies read empty values as absent too, as form bodies do."""
    image = await alice.store("still")
    response = await alice.request("PATCH", f"{IMAGES}/{image.id}", json={"name": ""})
    assert (response.status, (await response.json())["data"]["name"]) == (200, "still")


@pytest.mark.parametrize("name", ["   ", "x" * 256], ids=["blank", "too-long"])
async def test_a_name_that_is_blank_or_too_long_is_refused_and_nothing_changes(
    alice: Library, name: str
) -> None:
    image = await alice.store("still")
    path = f"{IMAGES}/{image.id}"
    response = await alice.request("PATCH", path, json={"name": name, "favorite": True})
    assert (await error_of(response, 400))["param"] == "name"
    assert await alice.api.storage.images.get(alice.account_id, image.id) == image


async def test_a_field_that_cannot_be_updated_is_refused(alice: Library) -> None:
    image = await alice.store("still")
    response = await put_form(alice, image.id, "description=a+new+one")
    assert (await error_of(response, 400))["param"] == "description"


# --- delete ------------------------------------------------------------------------------


async def test_delete_answers_the_id_and_frees_the_quota(alice: Library) -> None:
    image = await alice.store("gone")
    await alice.store("kept")
    images = alice.api.storage.images
    before = await images.usage(alice.account_id)
    response = await alice.request("DELETE", f"{IMAGES}/{image.id}")
    assert response.status == 200
    assert await response.json() == {"data": {"id": image.id, "deleted": True}}
    after = await images.usage(alice.account_id)
    assert (after.count, after.bytes) == (before.count - 1, before.bytes - image.size_bytes)


@pytest.mark.parametrize(("method", "suffix"), [("GET", ""), ("GET", "/content"), ("DELETE", "")])
async def test_a_deleted_image_is_not_found(alice: Library, method: str, suffix: str) -> None:
    image = await alice.store("gone")
    await alice.request("DELETE", f"{IMAGES}/{image.id}")
    response = await alice.request(method, f"{IMAGES}/{image.id}{suffix}")
    assert (await error_of(response, 404))["code"] == "image_not_found"


async def test_show_content_update_and_delete_are_free_at_zero_balance(api: ApiHarness) -> None:
    broke = await open_library(api, credit=0)
    image = await broke.store("sunset")
    path = f"{IMAGES}/{image.id}"
    for method, suffix, body in ONE_IMAGE_REQUESTS:
        response = await broke.request(method, path + suffix, json=body)
        assert response.status == 200, (method, suffix, await response.text())
    assert await account_state(api) == (0, 0, 0)
    assert await calls(api) == []


# --- isolation ---------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "suffix", "body"), ONE_IMAGE_REQUESTS)
async def test_another_users_image_is_not_found_and_stays_unchanged(
    alice: Library, bob: Library, method: str, suffix: str, body: dict[str, Any] | None
) -> None:
    image = await alice.store("private", data=png(9))
    response = await bob.request(method, f"{IMAGES}/{image.id}{suffix}", json=body)
    assert (await error_of(response, 404))["code"] == "image_not_found"
    images = alice.api.storage.images
    assert await images.get(alice.account_id, image.id) == image
    content = await images.content(alice.account_id, image.id)
    assert content is not None
    assert content.data == png(9)


async def test_a_listing_shows_only_the_callers_images(alice: Library, bob: Library) -> None:
    for name in ("a1", "a2", "a3"):
        await alice.store(name)
    await bob.store("b1")
    page = await bob.page(per_page="100")
    assert [record["name"] for record in page["data"]] == ["b1"]
    assert page["meta"]["total"] == 1


@pytest.mark.parametrize("missing", ["999", "abc", "0", "1.5", "99999999999999999999"])
async def test_an_unknown_or_malformed_id_is_the_same_404_as_anothers(
    alice: Library, bob: Library, missing: str
) -> None:
    image: StoredImage = await alice.store("private")
    theirs = await error_of(await bob.request("GET", f"{IMAGES}/{image.id}"), 404)
    unknown = await error_of(await bob.request("GET", f"{IMAGES}/{missing}"), 404)
    assert {**unknown, "message": ""} == {**theirs, "message": ""}
    mentioned = theirs["message"].replace(f"image {image.id} ", f"image {missing} ")
    assert unknown["message"] == mentioned


# --- the gate ----------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "suffix", "body"), [("GET", "", None), *ONE_IMAGE_REQUESTS])
async def test_no_key_is_401(
    alice: Library, method: str, suffix: str, body: dict[str, Any] | None
) -> None:
    image = await alice.store("private")
    path = IMAGES if (method, suffix, body) == ("GET", "", None) else f"{IMAGES}/{image.id}"
    response = await alice.api.client.request(method, path + suffix, json=body)
    assert (await error_of(response, 401))["code"] == "missing_api_key"


async def test_a_wrong_key_in_the_list_query_is_a_strike(alice: Library) -> None:
    params = {"username": alice.username, "key": "sk-wrong"}
    response = await alice.api.client.get(IMAGES, params=params)
    assert (await error_of(response, 401))["code"] == "invalid_api_key"
    assert await account_state(alice.api) == (10**6, 0, 1)


async def test_a_wrong_key_in_an_update_body_is_a_strike(alice: Library) -> None:
    image = await alice.store("private")
    body = f"username={alice.username}&key=sk-wrong&name=stolen"
    response = await alice.api.client.put(f"{IMAGES}/{image.id}", data=body, headers=FORM)
    assert (await error_of(response, 401))["code"] == "invalid_api_key"
    assert await account_state(alice.api) == (10**6, 0, 1)
    assert (await record(alice, image.id))["name"] == "private"


async def test_a_wrong_bearer_key_is_401(alice: Library) -> None:
    image = await alice.store("private")
    headers = {"Authorization": "Bearer sk-wrong"}
    response = await alice.api.client.get(f"{IMAGES}/{image.id}", headers=headers)
    assert (await error_of(response, 401))["code"] == "invalid_api_key"
