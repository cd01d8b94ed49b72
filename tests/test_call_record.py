"""The settlement's record is built by position (`api.billing.CallBilling`): the layout of
`CallRecord` that this relies on, and the usage's breakdown read in that order."""

from __future__ import annotations

from dataclasses import fields

from api.billing import BREAKDOWN_FIELDS, breakdown_in_order
from providers.usage import TokenUsage
from storage.models import CallRecord

#: What the billing passes before the breakdown, by position.
CALL_FIELDS = [
    "request_id",
    "account_id",
    "endpoint",
    "provider",
    "model",
    "status",
    "input_units",
    "output_units",
    "cost",
    "held",
    "latency_ms",
]


def test_the_record_is_the_call_then_the_breakdown_then_its_keys() -> None:
    names = [field.name for field in fields(CallRecord)]
    breakdown = list(BREAKDOWN_FIELDS)
    assert names == [*CALL_FIELDS, *breakdown, "settle_key", "response_id"]
    assert len(breakdown) == 14  # the fixed length `Breakdown` is typed with


def test_each_breakdown_value_lands_in_the_field_of_its_name() -> None:
    usage = TokenUsage(*range(100, 100 + len(TokenUsage._fields)))
    call = ("id", 1, "/v1/chat/completions", "openai", "m", 200, 100, 101, 7, 9, 3)
    record = CallRecord(*call, *breakdown_in_order(usage), "settle", "resp_1")
    for name in BREAKDOWN_FIELDS:
        assert getattr(record, name) == getattr(usage, name), name
    assert (record.settle_key, record.response_id) == ("settle", "resp_1")


def test_no_usage_records_an_all_zero_breakdown() -> None:
    assert breakdown_in_order(None) == (0,) * len(BREAKDOWN_FIELDS)
