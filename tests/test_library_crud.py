"""The whole CRUD path of the image library, as a client of seed 004 walks it.

httpx over loopback against the app served as in production (`production_url`), with the
fake OpenAI provider drawing: create, find, show, rename and favourite, fetch the bytes,
delete, and the money that moved (one image's price, once).
"""

from __future__ import annotations

import httpx

from tests.conftest import ApiHarness
from tests.fakes.openai_media import solid_png
from tests.ledger import account_state
from tests.library_calls import DALL_E_2_256, START


async def test_a_seed_client_creates_finds_changes_fetches_and_deletes_an_image(
    api: ApiHarness, production_url: str
) -> None:
    key = await api.register()
    headers = {"Authorization": f"Bearer {key}", "Accept": "application/json"}
    async with httpx.AsyncClient(base_url=production_url, headers=headers) as client:
        created = await client.post(
            "/api/v1/images",
            data={"name": "Harbour", "description": "a harbour at dawn", "resolution": "256x256"},
        )
        assert created.status_code == 201
        image_id = created.json()["data"]["id"]

        found = (await client.get("/api/v1/images", params={"search": "harb"})).json()
        assert [item["id"] for item in found["data"]] == [image_id]
        assert found["meta"]["total"] == 1

        shown = (await client.get(f"/api/v1/images/{image_id}")).json()["data"]
        assert (shown["name"], shown["favorite"]) == ("Harbour", False)

        changed = await client.put(
            f"/api/v1/images/{image_id}", data={"name": "Old harbour", "favorite": "1"}
        )
        assert changed.json()["data"]["name"] == "Old harbour"
        favourites = (await client.get("/api/v1/images", params={"favorite": "1"})).json()
        assert [item["name"] for item in favourites["data"]] == ["Old harbour"]

        content = await client.get(f"/api/v1/images/{image_id}/content")
        assert content.headers["Content-Type"] == "image/png"
        assert content.content == solid_png((256, 256), (200, 100, 50))

        assert (await client.delete(f"/api/v1/images/{image_id}")).status_code == 200
        assert (await client.get(f"/api/v1/images/{image_id}")).status_code == 404
        assert (await client.get("/api/v1/images")).json()["data"] == []

    assert await account_state(api) == (START - DALL_E_2_256, 0, 0)
