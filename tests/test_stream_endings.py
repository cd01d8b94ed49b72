"""How a stream ends decides what it costs, the same for every streaming dialect
(README, "How a call ends").

- A client that leaves before the provider's usage does not make the unseen output
  (reasoning, tool arguments, thinking) cheaper: the gateway reads on and bills that usage,
  whether the server cancels the handler or only a failed write tells.
- When the usage never comes after a client left (the drain bound passes, or the stream
  ends without it), the call costs its whole hold.
- A stream the provider breaks off without usage costs an estimate: the prompt counted
  without media payload bytes, and never more than the hold.
"""

from __future__ import annotations

import base64
import logging
from typing import Any

import pytest
from aiohttp import ClientSession

from api.inflight import InFlight
from providers.usage import TokenUsage
from tests import streams
from tests.conftest import ApiHarness
from tests.fakes.anthropic import FakeAnthropic
from tests.fakes.gemini import FakeGemini
from tests.ledger import account_state, the_call
from tests.streams import (
    Dialect,
    gateway,
    leave_after_the_first_event,
    post_whole_stream,
    relay_reading_on,
)

pytestmark = pytest.mark.fake_providers("anthropic", "gemini")

CREDIT = 10**6
#: Small enough for a test to wait out, never waited on otherwise.
SHORT_DRAIN = 0.2


@pytest.fixture(params=["openai", "responses", "anthropic", "gemini"])
def dialect(
    request: pytest.FixtureRequest,
    api: ApiHarness,
    fake_anthropic: FakeAnthropic,
    fake_gemini: FakeGemini,
) -> Any:
    made = {
        "openai": lambda: streams.openai(api),
        "responses": lambda: streams.responses(api),
        "anthropic": lambda: streams.anthropic(fake_anthropic),
        "gemini": lambda: streams.gemini(fake_gemini),
    }[request.param]()
    yield made
    made.release()


LEAVING = pytest.mark.parametrize(
    "cancel_on_disconnect", [True, False], ids=["handler-cancelled", "write-fails"]
)


@LEAVING
async def test_a_client_leaving_before_the_usage_pays_the_providers_usage(
    api: ApiHarness,
    dialect: Dialect,
    cancel_on_disconnect: bool,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="api.relay")
    dialect.pause_after_first_event()
    dialect.hold_back_usage()
    key = await api.register(credit=CREDIT)
    async with gateway(api, cancel_on_disconnect=cancel_on_disconnect) as url:
        await leave_after_the_first_event(url, dialect, key)
        dialect.resume()  # the rest comes after the client left...
        await relay_reading_on(caplog)
        dialect.release_usage()  # ...and the usage only once the relay knows it
        call = await the_call(api)
    usage = dialect.usage
    cost = dialect.model.cost_of(usage)
    assert (call["status"], call["input_units"], call["output_units"]) == (
        499,
        usage.input_tokens,
        usage.output_tokens,
    )
    assert call["cost"] == cost
    assert await account_state(api) == (CREDIT - cost, 0, 0)


@LEAVING
async def test_usage_that_never_comes_after_the_client_left_costs_the_hold(
    api: ApiHarness, dialect: Dialect, cancel_on_disconnect: bool
) -> None:
    dialect.pause_after_first_event()
    dialect.hold_back_usage()
    key = await api.register(credit=CREDIT)
    async with gateway(
        api, cancel_on_disconnect=cancel_on_disconnect, drain_seconds=SHORT_DRAIN
    ) as url:
        await leave_after_the_first_event(url, dialect, key)
        dialect.resume()
        call = await the_call(api)
    assert call["status"] == 499
    assert call["cost"] == call["held"] > 0
    assert await account_state(api) == (CREDIT - call["held"], 0, 0)


async def test_a_stream_ending_without_usage_after_the_client_left_costs_the_hold(
    api: ApiHarness, dialect: Dialect
) -> None:
    dialect.pause_after_first_event()
    dialect.leave_out_usage()
    key = await api.register(credit=CREDIT)
    async with gateway(api, cancel_on_disconnect=True) as url:
        await leave_after_the_first_event(url, dialect, key)
        dialect.resume()
        call = await the_call(api)
    assert (call["status"], call["cost"]) == (499, call["held"])
    assert await account_state(api) == (CREDIT - call["held"], 0, 0)


def _image(size: int) -> str:
    return base64.b64encode(bytes(size)).decode()


async def test_a_broken_stream_bills_the_prompt_without_its_image_bytes(
    api: ApiHarness, dialect: Dialect
) -> None:
    dialect.leave_out_usage()
    dialect.break_off_after(2)
    # 800 KB of base64 (aiohttp's client warns about bodies over 1 MB, the gateway's
    # forwarding included): by its bytes, 200 000 tokens, more than the whole hold.
    body = dialect.with_image(_image(600_000))
    # The estimate does not depend on the image's payload, only on its being an image.
    assert dialect.estimate(body) == dialect.estimate(dialect.with_image(_image(3)))
    key = await api.register(credit=CREDIT)
    async with gateway(api, cancel_on_disconnect=True) as url:
        await post_whole_stream(url, dialect, key, body)
    call = await the_call(api)
    output = call["output_units"]
    assert output > 0
    assert (call["status"], call["input_units"]) == (502, dialect.estimate(body))
    estimate = TokenUsage(dialect.estimate(body), output)
    assert call["cost"] == dialect.model.cost_of(estimate) < call["held"]
    assert await account_state(api) == (CREDIT - call["cost"], 0, 0)


async def test_an_estimated_ending_never_costs_more_than_the_hold(
    api: ApiHarness, dialect: Dialect
) -> None:
    dialect.leave_out_usage()
    dialect.long_reply(400)
    dialect.break_off_after(300)  # far more output than the one token asked for and held
    key = await api.register(credit=CREDIT)
    body = dialect.one_output_token()
    async with gateway(api, cancel_on_disconnect=True) as url:
        await post_whole_stream(url, dialect, key, body)
    call = await the_call(api)
    estimated = dialect.model.cost_of(TokenUsage(call["input_units"], call["output_units"]))
    assert estimated > call["held"]
    assert (call["status"], call["cost"]) == (502, call["held"])
    assert await account_state(api) == (CREDIT - call["held"], 0, 0)


async def test_a_shutdown_past_its_grace_bills_what_was_seen_without_reading_on(
    api: ApiHarness,
) -> None:
    """The service abandoned the call, not the client: the estimate, capped, no drain."""
    dialect = streams.openai(api)
    dialect.pause_after_first_event()
    in_flight = InFlight()
    key = await api.register(credit=CREDIT)
    try:
        async with (
            gateway(api, cancel_on_disconnect=False, in_flight=in_flight) as url,
            ClientSession(url) as session,
            session.post(dialect.path, json=dialect.body, headers=dialect.headers(key)) as sent,
        ):
            assert await sent.content.readany()
            in_flight.cancel_running()
            call = await the_call(api)
    finally:
        dialect.release()
    expected = (dialect.estimate(dialect.body), 1)
    assert (call["status"], call["input_units"], call["output_units"]) == (499, *expected)
    assert call["cost"] == dialect.model.cost_of(TokenUsage(*expected)) < call["held"]
    assert await account_state(api) == (CREDIT - call["cost"], 0, 0)
