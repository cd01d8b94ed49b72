"""Several keys per provider: spreading, failover before the first byte, rests (README,
"Provider keys, failover and fallbacks").

The fake provider tells the keys apart by the key each request carries and can refuse one
key while the others work (tests/fakes/key_faults.py); time moves only by the injected clock.
Streams and the other provider clients are in tests/test_key_failover_routes.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from providers.openai_holds import hold_for_chat
from tests.conftest import ApiHarness
from tests.fakes.key_faults import KeyFault
from tests.key_failover_setup import (  # the fixtures, imported to be used by name
    BODY,
    COST,
    MODEL,
    alice,
    key_count,  # noqa: F401
    key_options,  # noqa: F401
    post,
    provider_configs,  # noqa: F401
)
from tests.keyed import KEY_A, KEY_B, key_named, one_call_billed
from tests.ledger import calls

pytestmark = pytest.mark.fake_providers("anthropic")


# --- spreading ---------------------------------------------------------------------------


async def test_calls_alternate_over_two_keys_of_equal_weight(api: ApiHarness) -> None:
    key = await alice(api)
    for _ in range(4):
        assert (await post(api, key)).status == 200
    assert api.upstream.keys.attempts == [KEY_A, KEY_B, KEY_A, KEY_B]


@pytest.mark.parametrize("key_options", [{"a": {"weight": 3}}])
async def test_calls_are_shared_by_weight(api: ApiHarness) -> None:
    key = await alice(api)
    for _ in range(8):
        assert (await post(api, key)).status == 200
    assert api.upstream.keys.attempts == [KEY_A, KEY_A, KEY_B, KEY_A] * 2


@pytest.mark.parametrize("key_options", [{"a": {"rpm": 2}}])
async def test_a_key_over_its_minute_budget_is_skipped_until_the_next_minute(
    api: ApiHarness,
) -> None:
    api.clock.advance(60 - api.clock.now % 60)  # the start of a minute
    key = await alice(api)
    for _ in range(4):
        assert (await post(api, key)).status == 200
    assert api.upstream.keys.attempts == [KEY_A, KEY_B, KEY_A, KEY_B]
    for _ in range(2):
        assert (await post(api, key)).status == 200
    assert api.upstream.keys.attempts[4:] == [KEY_B, KEY_B]  # a used its 2 calls this minute
    api.clock.advance(60)
    for _ in range(2):
        assert (await post(api, key)).status == 200
    assert sorted(api.upstream.keys.attempts[6:]) == [KEY_A, KEY_B]


# --- failover on the key's fault ---------------------------------------------------------

KEY_FAULTS = {
    "401": (KeyFault(401, {"code": "invalid_api_key"}), "refused", 1800),
    "403": (KeyFault(403, {"type": "permission_error"}), "refused", 1800),
    "402": (KeyFault(402, {"code": "payment_required"}), "quota", 60),
    "insufficient_quota": (KeyFault(429, {"code": "insufficient_quota"}), "quota", 60),
    "429_retry_after": (KeyFault(429, {"code": "rate_limit_exceeded"}, "17"), "rate_limited", 17),
    "429": (KeyFault(429, {"code": "rate_limit_exceeded"}), "rate_limited", 60),
}


@pytest.mark.parametrize("case", list(KEY_FAULTS))
async def test_a_key_the_provider_refuses_rests_and_the_call_goes_to_the_next_key(
    api: ApiHarness, case: str
) -> None:
    fault, reason, rest = KEY_FAULTS[case]
    api.upstream.keys.faults[KEY_A] = fault
    key = await alice(api)
    response = await post(api, key)
    assert response.status == 200
    assert api.upstream.keys.attempts == [KEY_A, KEY_B]
    state = api.context.upstream.health.state(key_named(api, "openai", "a"))
    assert (state.reason, state.status, state.benched_until) == (
        reason,
        fault.status,
        api.clock.now + rest,
    )
    call = await one_call_billed(api)
    assert (call["status"], call["cost"], call["held"]) == (200, COST, hold_for_chat(BODY, MODEL))


async def test_a_resting_key_is_not_tried_and_comes_back_after_its_rest(api: ApiHarness) -> None:
    api.upstream.keys.faults[KEY_A] = KeyFault(429, retry_after="30")
    key = await alice(api)
    assert (await post(api, key)).status == 200
    del api.upstream.keys.faults[KEY_A]  # the provider would take it again already
    assert (await post(api, key)).status == 200
    api.clock.advance(29)
    assert (await post(api, key)).status == 200
    assert api.upstream.keys.attempts == [KEY_A, KEY_B, KEY_B, KEY_B]
    api.clock.advance(1)
    for _ in range(2):
        assert (await post(api, key)).status == 200
    assert sorted(api.upstream.keys.attempts[4:]) == [KEY_A, KEY_B]


async def test_every_key_resting_is_503_until_the_first_is_back_and_costs_nothing(
    api: ApiHarness,
) -> None:
    api.upstream.keys.faults[KEY_A] = KeyFault(429, retry_after="40")
    api.upstream.keys.faults[KEY_B] = KeyFault(429, retry_after="20")
    key = await alice(api)
    response = await post(api, key)
    assert response.status == 503
    assert response.headers["Retry-After"] == "20"
    error = (await response.json())["error"]
    assert (error["type"], error["code"]) == ("upstream_error", "upstream_unavailable")
    assert "Nothing was charged" in error["message"]
    api.clock.advance(5)
    later = await post(api, key)
    assert (later.status, later.headers["Retry-After"]) == (503, "15")
    assert api.upstream.keys.attempts == [KEY_A, KEY_B]  # resting keys are not asked
    assert [c["cost"] for c in await calls(api)] == [0, 0]
    assert await api.balance() == 10**6


# --- the provider's own failures ---------------------------------------------------------


async def test_a_5xx_is_retried_once_on_another_key(api: ApiHarness) -> None:
    api.upstream.keys.faults[KEY_A] = KeyFault(500)
    key = await alice(api)
    assert (await post(api, key)).status == 200
    assert api.upstream.keys.attempts == [KEY_A, KEY_B]
    assert api.context.upstream.health.state(key_named(api, "openai", "a")).benched_until == 0
    await one_call_billed(api)


@pytest.mark.parametrize("key_count", [3])
async def test_a_second_5xx_ends_the_call_as_502_without_trying_a_third_key(
    api: ApiHarness,
) -> None:
    api.upstream.fail_status = 503
    key = await alice(api)
    response = await post(api, key)
    assert response.status == 502
    assert api.upstream.keys.attempts == [KEY_A, KEY_B]
    call = await one_call_billed(api)
    assert (call["status"], call["cost"]) == (502, 0)


@pytest.mark.parametrize("key_options", [{"a": {"base_url": "http://127.0.0.1:9/v1"}}])
async def test_a_key_whose_address_refuses_connections_rests_and_the_next_key_answers(
    api: ApiHarness,
) -> None:
    key = await alice(api)
    assert (await post(api, key)).status == 200
    assert (await post(api, key)).status == 200
    assert api.upstream.keys.attempts == [KEY_B, KEY_B]  # a was never reached, then rested
    state = api.context.upstream.health.state(key_named(api, "openai", "a"))
    assert (state.reason, state.benched_until) == ("unreachable", api.clock.now + 60)


# --- the client's own faults -------------------------------------------------------------


@pytest.mark.parametrize("status", [400, 404, 422])
async def test_a_clients_fault_is_answered_at_once_and_never_retried(
    api: ApiHarness, status: int
) -> None:
    api.upstream.keys.faults[KEY_A] = KeyFault(status, {"message": "no such parameter: tempo"})
    key = await alice(api)
    response = await post(api, key)
    assert response.status == status
    assert "no such parameter: tempo" in (await response.json())["error"]["message"]
    assert api.upstream.keys.attempts == [KEY_A]
    assert api.context.upstream.health.state(key_named(api, "openai", "a")).benched_until == 0
    call = await one_call_billed(api)
    assert (call["status"], call["cost"]) == (status, 0)


# --- what the request path costs --------------------------------------------------------


class StatementCounter:
    """Counts what reaches the database: statements and transactions alike, on the database
    and on its executors for the request path (`hot` and `gate`, which may be others). A
    statement that an executor runs through another of its methods counts once."""

    def __init__(self, api: ApiHarness, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        self._inside = False
        database = api.storage.database
        executors = (database, database.hot, database.gate)
        for executor in {id(executor): executor for executor in executors}.values():
            for name in ("fetch_one", "fetch_all", "execute"):
                monkeypatch.setattr(executor, name, self._counted(getattr(executor, name)))
            if hasattr(executor, "transaction"):
                monkeypatch.setattr(executor, "transaction", self._counted_transaction(executor))

    def _counted(self, method: Any) -> Any:
        async def counted(*args: Any, **kwargs: Any) -> Any:
            if self._inside:
                return await method(*args, **kwargs)
            self.count += 1
            self._inside = True
            try:
                return await method(*args, **kwargs)
            finally:
                self._inside = False

        return counted

    def _counted_transaction(self, executor: Any) -> Any:
        method = executor.transaction

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return method(*args, **kwargs)

        return counted


async def test_a_call_that_fails_over_costs_the_database_what_a_plain_call_costs(
    api: ApiHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = await alice(api)
    counter = StatementCounter(api, monkeypatch)
    assert (await post(api, key)).status == 200
    plain = counter.count
    api.upstream.keys.faults[KEY_B] = KeyFault(401)  # b's turn comes first now
    api.upstream.keys.faults[KEY_A] = KeyFault(500)
    counter.count = 0
    assert (await post(api, key)).status == 502
    assert api.upstream.keys.attempts[1:] == [KEY_B, KEY_A]
    assert counter.count == plain == 2  # the gate's statement and the settlement's
