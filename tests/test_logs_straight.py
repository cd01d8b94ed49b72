"""The access line's straight path: the bytes its record would have been, and only when
the service's handler is the one place the record would go."""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest

from api.logs import RequestContext, ServiceLogHandler, log_handler, straight_handler
from api.settings import LogFormat
from tests.conftest import ApiHarness
from tests.json_logs import captured_log

#: Every field a line can carry, as the access line of a billed call has them.
FIELDS: dict[str, Any] = {
    "request_id": "req-7",
    "account_id": 42,
    "key_prefix": "sk-myapi-ab12",
    "route": "/v1/chat/completions",
    "method": "POST",
    "status": 200,
    "latency_ms": 3.4,
    "cost": 1234,
    "provider": "openai",
}
MESSAGE = "request req-7: POST /v1/chat/completions 200 in 3.4 ms; cost 1234 units"


@pytest.fixture
def logger() -> Iterator[logging.Logger]:
    """A logger of its own at INFO, reaching no handler of the root's. pytest attaches its
    capture handlers to every logger that does not propagate, so a test starts with
    `alone(logger, handler)`."""
    made = logging.getLogger("tests.straight")
    made.propagate, made.level = False, logging.INFO
    yield made
    made.handlers.clear()
    made.filters.clear()


def alone(logger: logging.Logger, handler: logging.Handler) -> None:
    logger.handlers[:] = [handler]


#: A refused call's fields: no account known, nothing charged (left out of a JSON line).
REFUSED = {**FIELDS, "account_id": None, "key_prefix": None, "cost": None, "provider": None}


@pytest.mark.parametrize("log_format", list(LogFormat))
@pytest.mark.parametrize("created", [1_700_000_000.0, 1_700_000_000.4567, 1_700_000_059.999])
@pytest.mark.parametrize("fields", [FIELDS, REFUSED], ids=["billed", "refused"])
def test_a_line_written_straight_is_the_line_its_record_would_be(
    logger: logging.Logger,
    monkeypatch: pytest.MonkeyPatch,
    log_format: LogFormat,
    created: float,
    fields: dict[str, Any],
) -> None:
    monkeypatch.setattr(time, "time", lambda: created)  # the record's clock and the line's
    stream = io.StringIO()
    handler = log_handler(log_format, stream)
    alone(logger, handler)
    assert straight_handler(logger, logging.INFO) is handler
    logger.info(MESSAGE, extra=fields)
    assert handler.write_straight("INFO", logger.name, MESSAGE, fields)
    [by_record, straight] = stream.getvalue().splitlines()
    assert straight == by_record
    if log_format is LogFormat.JSON:  # the fields are in it, not only the time and text
        named = {name for name, value in fields.items() if value is not None}
        assert set(json.loads(straight)) == {"time", "level", "logger", "message", *named}


def test_anything_else_on_the_way_makes_the_record_instead(logger: logging.Logger) -> None:
    handler = log_handler(LogFormat.JSON, io.StringIO())
    alone(logger, handler)
    assert straight_handler(logger, logging.INFO) is handler
    assert straight_handler(logger, logging.DEBUG) is handler  # the handler's level is 0

    handler.setLevel(logging.WARNING)  # the only handler would drop the record: no line
    assert straight_handler(logger, logging.INFO) is None
    handler.setLevel(logging.NOTSET)

    other = logging.StreamHandler(io.StringIO())
    logger.addHandler(other)  # an operator's handler: it must get its record
    assert straight_handler(logger, logging.INFO) is None
    logger.removeHandler(other)

    logger.addFilter(logging.Filter("elsewhere"))  # a filter may drop or change the record
    assert straight_handler(logger, logging.INFO) is None
    logger.filters.clear()

    logger.disabled = True  # as `logging.config.dictConfig` leaves the loggers it found
    try:
        assert straight_handler(logger, logging.INFO) is None
    finally:
        logger.disabled = False

    handler.addFilter(logging.Filter("elsewhere"))
    assert straight_handler(logger, logging.INFO) is None
    handler.filters[:] = [RequestContext()]
    assert straight_handler(logger, logging.INFO) is handler

    logger.removeHandler(handler)
    logger.addHandler(logging.StreamHandler(io.StringIO()))  # not the service's format
    assert straight_handler(logger, logging.INFO) is None


def test_a_handler_up_the_chain_is_found_and_a_stop_in_propagation_is_kept(
    logger: logging.Logger,
) -> None:
    parent_handler = log_handler(LogFormat.TEXT, io.StringIO())
    child = logging.getLogger("tests.straight.child")
    alone(logger, parent_handler)
    assert straight_handler(child, logging.INFO) is parent_handler
    child.propagate = False  # the record would stop at the child, which has no handler
    try:
        assert straight_handler(child, logging.INFO) is None
    finally:
        child.propagate = True


def test_a_closed_stream_is_reported_so_the_record_is_made(logger: logging.Logger) -> None:
    stream = io.StringIO()
    handler = ServiceLogHandler(LogFormat.TEXT, stream)
    stream.close()
    assert not handler.write_straight("INFO", logger.name, MESSAGE, FIELDS)


async def test_an_operators_handler_beside_the_service_gets_every_access_line(
    api: ApiHarness,
) -> None:
    """With a second handler the access line is a record again: both places have it."""
    key = await api.register()
    operators = io.StringIO()
    access = logging.getLogger("api.access")
    extra = logging.StreamHandler(operators)
    access.addHandler(extra)
    try:
        with captured_log() as log:
            headers = {"Authorization": f"Bearer {key}", "X-Request-Id": "req-both"}
            body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
            response = await api.client.post("/v1/chat/completions", json=body, headers=headers)
            assert response.status == 200
    finally:
        access.removeHandler(extra)
    [line] = log.access()
    assert (line["request_id"], line["status"], line["provider"]) == ("req-both", 200, "openai")
    assert "request req-both: POST /v1/chat/completions 200 in " in operators.getvalue()
