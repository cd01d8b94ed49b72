"""The seed's username-and-key clients on every library route, and lenient form bodies.

A client of seed 004 may send `username` and `key` as body fields (DELETE included) or in
the query instead of a Bearer header; a wrong key named with a username is then a strike
like on every route. Form bodies are read as browsers and curl write them: a trailing `&`
or a bare field is not an error.
"""

from __future__ import annotations

from tests.conftest import ApiHarness
from tests.ledger import account_state
from tests.library_api import IMAGES, error_of, open_library

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def test_a_delete_with_username_and_key_in_the_body_deletes(api: ApiHarness) -> None:
    alice = await open_library(api)
    image = await alice.store("old")
    body = f"username={alice.username}&key={alice.key}"
    response = await api.client.delete(f"{IMAGES}/{image.id}", data=body, headers=FORM)
    assert response.status == 200
    assert await api.storage.images.get(alice.account_id, image.id) is None


async def test_show_takes_username_and_key_from_the_query(api: ApiHarness) -> None:
    alice = await open_library(api)
    image = await alice.store("mine")
    params = {"username": alice.username, "key": alice.key}
    response = await api.client.get(f"{IMAGES}/{image.id}", params=params)
    data = (await response.json())["data"]
    assert data["name"] == "mine"
    # The record's link to the bytes never echoes the key the request carried.
    assert data["url"] == str(api.client.make_url(f"{IMAGES}/{image.id}/content"))
    assert alice.key not in await response.text()


async def test_a_wrong_key_named_in_a_show_query_is_a_strike(api: ApiHarness) -> None:
    alice = await open_library(api)
    image = await alice.store("mine")
    params = {"username": alice.username, "key": "myapi-wrong"}
    response = await api.client.get(f"{IMAGES}/{image.id}/content", params=params)
    assert (await error_of(response, 401))["code"] == "invalid_api_key"
    assert await account_state(api) == (10**6, 0, 1)


async def test_a_trailing_ampersand_and_a_bare_field_are_read_as_a_browser_sends_them(
    api: ApiHarness,
) -> None:
    alice = await open_library(api)
    image = await alice.store("before")
    response = await api.client.put(
        f"{IMAGES}/{image.id}", data="name=after&favorite&", headers={**FORM, **alice.headers}
    )
    assert response.status == 200, await response.text()
    assert (await response.json())["data"]["name"] == "after"
