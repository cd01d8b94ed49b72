"""The operator's own provider account running dry is the service's problem, never the
user's: 503 `provider_unavailable`, not a 402 that reads like their balance, nothing charged.

Such a key rests and the call fails over to the provider's other keys; the client gets the
503 only when every key is exhausted (or refused)."""

from __future__ import annotations

import openai
import pytest

from providers.http import upstream_error
from tests.conftest import ApiHarness
from tests.fakes.key_faults import KeyFault
from tests.keyed import KEY_A, KEY_B, key_named, keyed, one_call_billed
from tests.ledger import account_state

QUOTA = b'{"error": {"message": "You exceeded your current quota", "code": "insufficient_quota"}}'
ANTHROPIC_BILLING = b'{"type": "error", "error": {"type": "billing_error", "message": "m"}}'


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (402, b'{"error": {"message": "payment required"}}'),
        (429, QUOTA),
        (400, ANTHROPIC_BILLING),
    ],
)
def test_an_exhausted_provider_account_is_503(status: int, body: bytes) -> None:
    error = upstream_error(status, body, "sk-operator", None)
    assert error.status == 503
    assert "not your balance" in error.message


def test_a_plain_rate_limit_stays_a_429() -> None:
    body = b'{"error": {"message": "slow down", "code": "rate_limit_exceeded"}}'
    assert upstream_error(429, body, "sk-operator", "2").status == 429


async def test_through_the_sdk_an_exhausted_account_is_not_the_users_402(
    api: ApiHarness,
) -> None:
    api.upstream.fail_status = 402
    key = await api.register()
    base_url = str(api.client.make_url("/v1"))
    async with openai.AsyncOpenAI(api_key=key, base_url=base_url, max_retries=0) as client:
        with pytest.raises(openai.APIStatusError) as raised:
            await client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
            )
    assert raised.value.status_code == 503
    assert raised.value.code == "provider_unavailable"
    assert await account_state(api) == (10**6, 0, 0)


# --- with several keys: an exhausted key rests and the call fails over ---------------------

BODY = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture
def two_openai_keys(api: ApiHarness, provider_urls: dict[str, str]) -> None:
    """The harness's OpenAI with keys a and b, both at the fake."""
    api.context.registry.providers["openai"] = keyed("openai", provider_urls["openai"])


@pytest.mark.usefixtures("two_openai_keys")
@pytest.mark.parametrize(
    "fault",
    [
        KeyFault(402, {"message": "payment required"}),
        KeyFault(429, {"code": "insufficient_quota"}),
        KeyFault(400, {"type": "billing_error"}),
    ],
)
async def test_an_exhausted_key_rests_and_the_other_key_answers(
    api: ApiHarness, fault: KeyFault
) -> None:
    api.upstream.keys.faults[KEY_A] = fault
    key = await api.register()
    response = await api.client.post("/v1/chat/completions", json={**BODY, "key": key})
    assert response.status == 200
    assert api.upstream.keys.attempts == [KEY_A, KEY_B]
    state = api.context.upstream.health.state(key_named(api, "openai", "a"))
    assert (state.reason, state.status) == ("quota", fault.status)
    assert (await one_call_billed(api))["cost"] > 0


@pytest.mark.usefixtures("two_openai_keys")
async def test_when_every_key_is_exhausted_the_client_gets_503_provider_unavailable(
    api: ApiHarness,
) -> None:
    api.upstream.keys.faults[KEY_A] = KeyFault(402, {"message": "payment required"})
    api.upstream.keys.faults[KEY_B] = KeyFault(429, {"code": "insufficient_quota"})
    key = await api.register()
    for _ in range(2):  # the second call finds both keys resting and asks neither
        response = await api.client.post("/v1/chat/completions", json={**BODY, "key": key})
        assert response.status == 503
        error = (await response.json())["error"]
        assert (error["type"], error["code"]) == ("service_unavailable", "provider_unavailable")
        assert "not your balance" in error["message"]
        assert "Retry-After" in response.headers
    assert api.upstream.keys.attempts == [KEY_A, KEY_B]
    assert await account_state(api) == (10**6, 0, 0)
