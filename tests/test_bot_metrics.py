"""Every update the bot handles is counted, by type and outcome, in the service's metrics.

The production dispatcher, given the metrics' hook as the service gives it, handles real
updates against the fake Telegram; the registry is rendered and parsed by prometheus-client.
"""

from __future__ import annotations

from prometheus_client import generate_latest

from api.metrics import PrometheusMetrics
from bot import create_dispatcher
from tests.bot_harness import BotHarness
from tests.fakes.telegram import message_update
from tests.metrics_harness import Samples


async def test_bot_updates_are_counted_by_type_and_outcome(bot_harness: BotHarness) -> None:
    metrics = PrometheusMetrics()
    bot_harness.dispatcher = create_dispatcher(
        bot_harness.storage, bot_harness.config, on_update=metrics.bot_update
    )
    await bot_harness.send(7, "/start", username="ann")
    await bot_harness.send(7, "/balance")
    edited = message_update(bot_harness.next_id(), 1, 7, "an edit nobody handles")
    await bot_harness.feed({"update_id": edited["update_id"], "edited_message": edited["message"]})
    samples = Samples(generate_latest(metrics.registry).decode())
    counted = "myapi_bot_updates_total"
    assert samples.value(counted, type="message", outcome="handled") == 2
    assert samples.value(counted, type="edited_message", outcome="unhandled") == 1
    assert samples.value(counted, type="message", outcome="error") == 0


async def test_an_update_whose_handling_fails_is_counted_as_an_error(
    bot_harness: BotHarness,
) -> None:
    metrics = PrometheusMetrics()
    bot_harness.dispatcher = create_dispatcher(
        bot_harness.storage, bot_harness.config, on_update=metrics.bot_update
    )
    await bot_harness.storage.database.execute("DROP TABLE ledger")  # storage now fails
    await bot_harness.send(7, "/start", username="ann")  # the error handler apologises
    samples = Samples(generate_latest(metrics.registry).decode())
    counted = "myapi_bot_updates_total"
    assert samples.value(counted, type="message", outcome="error") == 1
    assert samples.value(counted, type="message", outcome="handled") == 0
