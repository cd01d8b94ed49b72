"""The operator's own provider account running dry is the service's problem, never the
user's: 503 `provider_unavailable`, not a 402 that reads like their balance, nothing charged."""

from __future__ import annotations

import openai
import pytest

from providers.http import upstream_error
from tests.conftest import ApiHarness
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
