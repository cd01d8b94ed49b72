"""Balance queries: exact, free, answered at zero balance, and still behind the gate."""

from __future__ import annotations

from decimal import Decimal

from tests.conftest import ApiHarness


async def test_get_balance_with_bearer_is_exact(api: ApiHarness) -> None:
    key = await api.register(credit=1_234_567)
    response = await api.client.get("/v1/balance", headers={"Authorization": f"Bearer {key}"})
    text = await response.text()
    data = await response.json()
    assert response.status == 200
    assert data["balance_units"] == 1_234_567
    assert data["currency"] == "USD"
    assert '"balance": 1.234567' in text
    assert Decimal(str(data["balance"])) == Decimal("1.234567")


async def test_post_balance_with_username_and_key_in_the_body(api: ApiHarness) -> None:
    key = await api.register(credit=5)
    response = await api.client.post("/v1/balance", json={"username": "ALICE", "key": key})
    assert (await response.json())["balance_units"] == 5


async def test_balance_is_answered_at_zero_and_not_billed(api: ApiHarness) -> None:
    key = await api.register(credit=0)
    for _ in range(3):
        response = await api.client.get("/v1/balance", headers={"Authorization": f"Bearer {key}"})
        assert response.status == 200
    rows = await api.storage.database.fetch_all("SELECT id FROM ledger")
    assert rows == []


async def test_proxyapi_balance_path_answers_too(api: ApiHarness) -> None:
    key = await api.register(credit=42)
    response = await api.client.get(
        "/proxyapi/balance", headers={"Authorization": f"Bearer {key}"}
    )
    assert (await response.json())["balance_units"] == 42


async def test_a_wrong_key_on_balance_is_a_strike(api: ApiHarness) -> None:
    await api.register()
    response = await api.client.post("/v1/balance", json={"username": "alice", "key": "bad"})
    assert response.status == 401
    account = await api.storage.accounts.by_username("alice")
    assert account is not None
    assert account.strikes == 1


async def test_health_needs_no_credentials(api: ApiHarness) -> None:
    response = await api.client.get("/health")
    assert (response.status, await response.json()) == (200, {"status": "ok", "database": "ok"})
