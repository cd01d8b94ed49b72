"""`GET /api/v1/images`: seed 004's filters, order and paging, in Laravel's page shape."""

from __future__ import annotations

import re
from typing import Any

import pytest
from yarl import URL

from tests.conftest import ApiHarness
from tests.ledger import account_state, calls
from tests.library_api import IMAGES, SEED_VALUES, Library, error_of, open_library


@pytest.fixture
async def alice(api: ApiHarness) -> Library:
    return await open_library(api)


def tagged(field: str, value: str) -> dict[str, Any]:
    """`store`'s keyword for one of the seed's filter fields."""
    return {field: value}


def query_of(link: str) -> dict[str, str]:
    return dict(URL(link).query)


# --- filters ---------------------------------------------------------------------------


async def test_search_matches_a_substring_of_the_name_ignoring_case(alice: Library) -> None:
    for name in ("Red Sunset", "sunrise", "SUNSET over the sea", "moon"):
        await alice.store(name)
    assert await alice.names(search="sunSET", sort="asc") == ["Red Sunset", "SUNSET over the sea"]


async def test_search_by_name_is_the_same_search(alice: Library) -> None:
    for name in ("sunset", "moon"):
        await alice.store(name)
    assert await alice.names(search="moo", search_by="name") == ["moon"]


@pytest.mark.parametrize(
    ("field", "wanted", "other"),
    [
        ("resolution", "256x256", "1024x1024"),
        ("style", "pixel_art", "anime"),
        ("medium", "spray_paint", "ink"),
        ("filter", "sepia", "invert"),
    ],
)
async def test_each_exact_filter_keeps_only_its_value(
    alice: Library, field: str, wanted: str, other: str
) -> None:
    await alice.store("wanted", **tagged(field, wanted))
    await alice.store("other", **tagged(field, other))
    await alice.store("unset", **(tagged(field, other) if field == "resolution" else {}))
    page = await alice.page(**{field: wanted})
    assert [(record["name"], record[field]) for record in page["data"]] == [("wanted", wanted)]
    assert page["meta"]["total"] == 1


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [("true", ["loved"]), ("1", ["loved"]), ("false", ["plain"]), ("0", ["plain"])],
)
async def test_favorite_filter_reads_booleans_and_form_spellings(
    alice: Library, spelling: str, expected: list[str]
) -> None:
    loved = await alice.store("loved")
    await alice.store("plain")
    await alice.api.storage.images.update(alice.account_id, loved.id, favorite=True)
    assert await alice.names(favorite=spelling) == expected


async def test_empty_values_are_the_same_as_no_filter(alice: Library) -> None:
    await alice.store("sunset", style="anime")
    await alice.store("moon")
    assert await alice.names(style="", favorite="", search="") == ["moon", "sunset"]


# --- order -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sort_by", "sort", "expected"),
    [
        ("id", "asc", ["banana", "Cherry", "apple"]),
        ("id", "desc", ["apple", "Cherry", "banana"]),
        ("name", "asc", ["apple", "banana", "Cherry"]),
        ("name", "desc", ["Cherry", "banana", "apple"]),
    ],
)
async def test_sort_by_and_sort_order_the_list(
    alice: Library, sort_by: str, sort: str, expected: list[str]
) -> None:
    for name in ("banana", "Cherry", "apple"):
        await alice.store(name)
    assert await alice.names(sort_by=sort_by, sort=sort) == expected


async def test_the_default_is_newest_first_ten_to_a_page(alice: Library) -> None:
    stored = await alice.store_many(12)
    page = await alice.page()
    assert [record["id"] for record in page["data"]] == [image.id for image in stored[::-1][:10]]
    assert (page["meta"]["per_page"], page["meta"]["last_page"]) == (10, 2)


# --- paging ----------------------------------------------------------------------------


async def test_an_empty_library_is_one_empty_page(alice: Library) -> None:
    page = await alice.page()
    assert page["data"] == []
    meta = page["meta"]
    assert (meta["total"], meta["current_page"], meta["last_page"]) == (0, 1, 1)
    assert (meta["from"], meta["to"]) == (None, None)
    assert (page["links"]["prev"], page["links"]["next"]) == (None, None)
    assert query_of(page["links"]["last"]) == {"page": "1"}


async def test_exactly_one_full_page_has_no_next(alice: Library) -> None:
    await alice.store_many(10)
    page = await alice.page()
    assert len(page["data"]) == 10
    meta = page["meta"]
    assert (meta["from"], meta["to"], meta["last_page"], meta["total"]) == (1, 10, 1, 10)
    assert (page["links"]["prev"], page["links"]["next"]) == (None, None)


async def test_the_last_page_holds_the_remainder(alice: Library) -> None:
    await alice.store_many(23)
    page = await alice.page(page="3", sort="asc")
    assert [record["name"] for record in page["data"]] == ["image 20", "image 21", "image 22"]
    meta = page["meta"]
    assert (meta["current_page"], meta["from"], meta["to"], meta["last_page"]) == (3, 21, 23, 3)
    assert query_of(page["links"]["prev"])["page"] == "2"
    assert page["links"]["next"] is None


async def test_a_page_past_the_end_is_empty_with_the_right_total(alice: Library) -> None:
    await alice.store_many(3)
    page = await alice.page(page="5")
    assert page["data"] == []
    meta = page["meta"]
    assert (meta["current_page"], meta["total"], meta["last_page"]) == (5, 3, 1)
    assert (meta["from"], meta["to"], page["links"]["next"]) == (None, None, None)


async def test_per_page_25_is_offered(alice: Library) -> None:
    await alice.store_many(30)
    page = await alice.page(per_page="25")
    assert len(page["data"]) == 25
    assert (page["meta"]["per_page"], page["meta"]["last_page"]) == (25, 2)


async def test_a_page_size_the_seed_does_not_offer_is_refused_naming_the_sizes(
    alice: Library,
) -> None:
    error = await error_of(await alice.listing(per_page="7"), 400)
    assert error["param"] == "per_page"
    assert {"10", "25", "50", "100"} <= set(re.findall(r"\d+", error["message"]))


async def test_page_zero_is_refused(alice: Library) -> None:
    error = await error_of(await alice.listing(page="0"), 400)
    assert (error["type"], error["param"]) == ("invalid_request_error", "page")


# --- links -----------------------------------------------------------------------------


async def test_links_keep_the_filters_and_number_the_pages(alice: Library) -> None:
    await alice.store_many(25, prefix="cat")
    await alice.store("dog")
    page = await alice.page(search="cat", sort="asc", per_page="10", page="2")
    links = page["links"]
    filters = {"search": "cat", "sort": "asc", "per_page": "10"}
    assert query_of(links["first"]) == {**filters, "page": "1"}
    assert query_of(links["prev"]) == {**filters, "page": "1"}
    assert query_of(links["next"]) == {**filters, "page": "3"}
    assert query_of(links["last"]) == {**filters, "page": "3"}
    assert page["meta"]["total"] == 25


async def test_links_are_absolute_and_the_path_has_no_query(alice: Library) -> None:
    await alice.store_many(11)
    page = await alice.page(style="")
    next_link = URL(page["links"]["next"])
    assert next_link.is_absolute()
    assert next_link.path == IMAGES
    assert page["meta"]["path"] == str(next_link.with_query(None))


async def test_links_never_carry_a_key_sent_in_the_query(alice: Library) -> None:
    await alice.store_many(21)
    params = {"key": alice.key, "username": alice.username, "page": "2"}
    response = await alice.api.client.get(IMAGES, params=params)
    text = await response.text()
    assert response.status == 200
    assert alice.key not in text
    links = (await response.json())["links"]
    for link in links.values():
        assert set(query_of(link)) == {"page"}


# --- refusals --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("style", "baroque"),
        ("sort", "sideways"),
        ("search_by", "description"),
        ("resolution", "300x300"),
        ("medium", "oil"),
        ("filter", "blur"),
        ("sort_by", "created_at"),
    ],
)
async def test_a_value_outside_the_seed_is_refused_listing_the_allowed_ones(
    alice: Library, field: str, value: str
) -> None:
    error = await error_of(await alice.listing(**{field: value}), 400)
    assert (error["param"], error["code"]) == (field, "invalid_request")
    for allowed in SEED_VALUES[field]:
        assert f"'{allowed}'" in error["message"]


async def test_an_unknown_parameter_is_refused_by_name(alice: Library) -> None:
    error = await error_of(await alice.listing(colour="red"), 400)
    assert error["param"] == "colour"


async def test_a_parameter_sent_twice_is_refused(alice: Library) -> None:
    query = "style=anime&style=retro"
    response = await alice.api.client.get(f"{IMAGES}?{query}", headers=alice.headers)
    assert (await error_of(response, 400))["param"] == "style"


async def test_listing_is_free_and_answered_at_zero_balance(api: ApiHarness) -> None:
    broke = await open_library(api, credit=0)
    await broke.store("sunset")
    for _ in range(3):
        assert (await broke.page())["meta"]["total"] == 1
    assert await account_state(api) == (0, 0, 0)
    assert await calls(api) == []
