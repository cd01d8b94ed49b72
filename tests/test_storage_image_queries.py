"""Listing the image library (`ImageStore.find`) on both databases: search by name, exact
filters, sorting with a stable tie-break, and paging; only ever the account's own images."""

from __future__ import annotations

import pytest

from storage import ImageQuota, Storage
from storage.images import ImagePage, ImageQuery
from tests.stored_images import an_account, new_image, stored


async def library(storage: Storage, *names: str) -> int:
    """An account holding images named `names`, added in that order (ids ascending)."""
    account = await an_account(storage)
    for name in names:
        await stored(storage, new_image(account, name))
    return account


def names(page: ImagePage) -> list[str]:
    return [record.name for record in page.items]


async def test_search_is_a_case_insensitive_substring_of_the_name(storage: Storage) -> None:
    account = await library(storage, "Red Fox", "fox den", "FOXGLOVE", "wolf")
    page = await storage.images.find(account, ImageQuery(search="fOx"))
    assert (names(page), page.total) == (["FOXGLOVE", "fox den", "Red Fox"], 3)


async def test_search_ignores_the_case_of_non_ascii_letters(storage: Storage) -> None:
    account = await library(storage, "Рыжая Лиса", "ЛИСЁНОК", "волк", "Straße")
    page = await storage.images.find(account, ImageQuery(search="лис"))
    assert names(page) == ["ЛИСЁНОК", "Рыжая Лиса"]
    strasse = await storage.images.find(account, ImageQuery(search="STRASSE"))
    assert names(strasse) == ["Straße"]


async def test_a_renamed_image_is_found_by_its_new_name_only(storage: Storage) -> None:
    account = await an_account(storage)
    record = await stored(storage, new_image(account, "Sunset"))
    await storage.images.update(account, record.id, name="Ночной ГОРОД")
    assert names(await storage.images.find(account, ImageQuery(search="город"))) == [
        "Ночной ГОРОД"
    ]
    assert (await storage.images.find(account, ImageQuery(search="sunset"))).total == 0


@pytest.mark.parametrize(
    ("search", "expected"),
    [("50%", ["50% off"]), ("a_b", ["a_b"]), ("\\", ["back\\slash"])],
)
async def test_like_wildcards_in_the_search_are_literal(
    storage: Storage, search: str, expected: list[str]
) -> None:
    account = await library(storage, "50% off", "500 off", "a_b", "axb", "back\\slash")
    page = await storage.images.find(account, ImageQuery(search=search))
    assert names(page) == expected


async def test_an_empty_search_lists_everything(storage: Storage) -> None:
    account = await library(storage, "one", "two")
    assert (await storage.images.find(account, ImageQuery(search=""))).total == 2


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (ImageQuery(resolution="512x512"), ["plain"]),
        (ImageQuery(style="vivid"), ["oil", "vivid"]),
        (ImageQuery(medium="oil"), ["oil"]),
        (ImageQuery(filter="noir"), ["noir"]),
        (ImageQuery(favorite=True), ["noir", "oil"]),
        (ImageQuery(favorite=False), ["plain", "vivid"]),
        (ImageQuery(style="vivid", favorite=True), ["oil"]),
    ],
    ids=["resolution", "style", "medium", "filter", "favorite", "not favorite", "combined"],
)
async def test_each_filter_matches_exactly(
    storage: Storage, query: ImageQuery, expected: list[str]
) -> None:
    account = await an_account(storage)
    made = [
        new_image(account, "vivid", style="vivid"),
        new_image(account, "oil", style="vivid", medium="oil"),
        new_image(account, "noir", filter="noir", medium="oil paint"),
        new_image(account, "plain", resolution="512x512"),
    ]
    records = {image.name: await stored(storage, image) for image in made}
    for favourite in ("oil", "noir"):
        await storage.images.update(account, records[favourite].id, favorite=True)
    page = await storage.images.find(account, query)
    assert sorted(names(page)) == expected


async def test_the_default_order_is_newest_id_first(storage: Storage) -> None:
    account = await library(storage, "b", "c", "a")
    assert names(await storage.images.find(account, ImageQuery())) == ["a", "c", "b"]


async def test_id_order_can_be_ascending(storage: Storage) -> None:
    account = await library(storage, "b", "c", "a")
    page = await storage.images.find(account, ImageQuery(descending=False))
    assert names(page) == ["b", "c", "a"]


async def test_name_order_ignores_case_and_breaks_ties_by_id(storage: Storage) -> None:
    account = await library(storage, "banana", "Apple", "cherry", "apple", "Banana")
    ascending = await storage.images.find(account, ImageQuery(sort_by="name", descending=False))
    descending = await storage.images.find(account, ImageQuery(sort_by="name"))
    assert names(ascending) == ["Apple", "apple", "banana", "Banana", "cherry"]
    assert names(descending) == ["cherry", "Banana", "banana", "apple", "Apple"]


async def test_name_pages_neither_overlap_nor_skip_among_equal_names(storage: Storage) -> None:
    account = await library(storage, *["same"] * 5)
    seen = []
    for number in (1, 2, 3):
        query = ImageQuery(sort_by="name", descending=False, per_page=2, page=number)
        seen += [record.id for record in (await storage.images.find(account, query)).items]
    assert seen == sorted(seen)
    assert len(set(seen)) == 5


async def test_a_middle_page_has_per_page_items_and_the_total(storage: Storage) -> None:
    account = await library(storage, *[f"n{n}" for n in range(7)])
    page = await storage.images.find(account, ImageQuery(per_page=3, page=2))
    assert (names(page), page.total, page.page, page.last_page) == (["n3", "n2", "n1"], 7, 2, 3)


async def test_the_last_page_is_partial(storage: Storage) -> None:
    account = await library(storage, *[f"n{n}" for n in range(7)])
    page = await storage.images.find(account, ImageQuery(per_page=3, page=3))
    assert names(page) == ["n0"]


async def test_a_page_beyond_the_end_is_empty_but_still_counts_the_total(
    storage: Storage,
) -> None:
    account = await library(storage, *[f"n{n}" for n in range(4)])
    page = await storage.images.find(account, ImageQuery(per_page=3, page=5))
    assert (page.items, page.total, page.last_page) == ([], 4, 2)


async def test_the_total_counts_only_what_the_filters_match(storage: Storage) -> None:
    account = await library(storage, "fox 1", "wolf", "fox 2", "fox 3")
    page = await storage.images.find(account, ImageQuery(search="fox", per_page=2))
    assert (len(page.items), page.total, page.last_page) == (2, 3, 2)


async def test_an_empty_library_has_one_empty_page(storage: Storage) -> None:
    account = await an_account(storage)
    page = await storage.images.find(account, ImageQuery())
    assert (page.items, page.total, page.last_page) == ([], 0, 1)


async def test_find_never_lists_another_accounts_images(storage: Storage) -> None:
    alice = await library(storage, "fox")
    bob = await an_account(storage, 2, "bob")
    await stored(storage, new_image(bob, "fox"))
    page = await storage.images.find(alice, ImageQuery(search="fox"))
    assert [record.account_id for record in page.items] == [alice]
    assert page.total == 1


@pytest.mark.parametrize(("page", "per_page"), [(0, 10), (1, 0), (1, -1)])
def test_a_query_needs_a_positive_page_and_page_size(page: int, per_page: int) -> None:
    with pytest.raises(ValueError, match="positive"):
        ImageQuery(page=page, per_page=per_page)


@pytest.mark.parametrize("limits", [(0, 100), (3, 0)])
def test_a_quota_needs_positive_limits(limits: tuple[int, int]) -> None:
    with pytest.raises(ValueError, match="positive"):
        ImageQuota(*limits)
