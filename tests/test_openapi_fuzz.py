"""Property-based fuzzing of the real app from its own OpenAPI document (schemathesis).

Schemathesis generates requests, valid and invalid, for every documented operation and
sends them to the harness's server over loopback with a registered user's key in each
of the four key schemes. The properties, whatever the input:

- no answer is a 5xx that the service made itself (the fakes' upstreams never fail here);
- every error answer has OpenAI's shape (`ErrorResponse`, nothing more, nothing less), and
  every success matches the schema the document gives it (where the service, not a
  provider, shapes the answer);
- money moves only for calls that succeeded: no ledger row and no costed usage record
  belongs to a request that was not answered 2xx, and at the end nothing is held and the
  balance is the ledger's sum.

Schemathesis sends with `requests`, which blocks, so the generation runs in a worker thread
while the test's loop serves the app. Bounded and reproducible: a fixed number of examples
per operation and mode, derandomized, no example database, no shrinking.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.strategies import SearchStrategy
from schemathesis import Case, GenerationMode
from schemathesis.config import SchemathesisConfig
from schemathesis.core.result import Err
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import response_schema_conformance

from api.openapi_models import ErrorResponse
from tests.conftest import ApiHarness
from tests.error_shape import assert_openai_shape
from tests.ledger import account_state

pytestmark = pytest.mark.fake_providers("anthropic", "gemini", "stability")

EXAMPLES_PER_OPERATION = 15
#: The document's own example bodies, which succeed: the paid paths, billed for real.
EXAMPLE_RUNS = 2
#: Each example is a real HTTP call and a database write or two: that is not "too slow".
#: Schemathesis's body strategies filter and build large values by design.
Operation = APIOperation[Any, Any, Any, Any]
_SUPPRESSED = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large]


@dataclass
class Fuzzer:
    """Sends generated cases and records each request id with its answer's status."""

    base_url: str
    session: requests.Session
    statuses: dict[str, int] = field(default_factory=dict)
    counter: itertools.count[int] = field(default_factory=itertools.count)

    def check(self, case: Case[Operation]) -> None:
        request_id = f"fuzz-{next(self.counter)}"
        response = case.call(
            base_url=self.base_url, session=self.session, headers={"X-Request-Id": request_id}
        )
        self.statuses[request_id] = response.status_code
        where = f"{response.status_code} for {case.as_curl_command()}"
        assert response.status_code < 500, where
        if response.status_code >= 400:
            body = response.json()
            assert_openai_shape(body)
            ErrorResponse.model_validate(body)
        else:  # a success the document gives a schema for must match it
            case.validate_response(response, checks=[response_schema_conformance])


def _run(fuzzer: Fuzzer, cases: SearchStrategy[Case[Operation]], examples: int) -> None:
    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=_SUPPRESSED,
    )
    @given(case=cases)
    def fuzz(case: Case[Operation]) -> None:
        fuzzer.check(case)

    fuzz()


def _config(document: dict[str, Any], key: str) -> SchemathesisConfig:
    """Every security scheme of the document, filled with the user's key."""
    schemes = document["components"]["securitySchemes"]
    auth = {
        name: {"bearer": key} if scheme["type"] == "http" else {"api_key": key}
        for name, scheme in schemes.items()
    }
    return SchemathesisConfig.from_dict({"auth": {"openapi": auth}})


def _has_input(document: dict[str, Any], operation: Operation) -> bool:
    """Whether there is anything to make invalid (a GET without parameters has nothing)."""
    described = document["paths"][operation.path][operation.method.lower()]
    return "requestBody" in described or "parameters" in described


def fuzz_all(document: dict[str, Any], key: str, base_url: str) -> dict[str, int]:
    """Every operation, in both modes; answers {request id: status}. Runs in a thread."""
    schema = schemathesis.openapi.from_dict(document, config=_config(document, key))
    with requests.Session() as session:
        fuzzer = Fuzzer(base_url, session)
        for result in schema.get_all_operations():
            if isinstance(result, Err):
                raise result.err()  # the document itself is broken
            operation = result.ok()
            for documented in schema.get_strategies_from_examples(operation):
                _run(fuzzer, documented, EXAMPLE_RUNS)
            modes = [GenerationMode.POSITIVE]
            if _has_input(document, operation):
                modes.append(GenerationMode.NEGATIVE)
            for mode in modes:
                _run(fuzzer, operation.as_strategy(generation_mode=mode), EXAMPLES_PER_OPERATION)
    return fuzzer.statuses


async def _money_rows(api: ApiHarness) -> tuple[list[str], list[str], int]:
    """Request ids with a ledger row, with a costed usage record; and the ledger's sum."""
    database = api.storage.database
    ledger = await database.fetch_all(
        "SELECT request_id FROM ledger WHERE request_id IS NOT NULL ORDER BY id"
    )
    costed = await database.fetch_all("SELECT request_id FROM calls WHERE cost > 0 ORDER BY id")
    total = await database.fetch_all("SELECT COALESCE(SUM(amount), 0) AS total FROM ledger")
    return (
        [str(row["request_id"]) for row in ledger],
        [str(row["request_id"]) for row in costed],
        int(total[0]["total"]),
    )


async def test_fuzzed_requests_never_fail_the_service_nor_charge_a_failed_call(
    api: ApiHarness,
) -> None:
    key = await api.register(credit=10**7)
    document: dict[str, Any] = await (await api.client.get("/openapi.json")).json()
    base_url = str(api.client.make_url("/")).rstrip("/")
    statuses = await asyncio.to_thread(fuzz_all, document, key, base_url)
    await api.client.close()  # waits for the last handlers, so every call has settled
    charged, costed, total = await _money_rows(api)
    balance, reserved, _ = await account_state(api)
    assert len(statuses) >= 2 * EXAMPLES_PER_OPERATION
    assert charged, "the documented examples must reach the paid paths"
    assert [rid for rid in charged if not 200 <= statuses.get(rid, 200) < 300] == []
    assert [rid for rid in costed if not 200 <= statuses[rid] < 300] == []
    assert reserved == 0
    assert balance == total
