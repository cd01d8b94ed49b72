"""The service's JSON log format captured in-process: every record of the root logger,
formatted by the service's own handler (`api.logs.log_handler`), one JSON object a line."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from api.logs import log_handler
from api.settings import LogFormat


class CapturedLog:
    """What the handler wrote; `lines()` parses each line, so a line that is not one JSON
    object fails the test that reads it."""

    def __init__(self) -> None:
        self.stream = io.StringIO()

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def lines(self) -> list[dict[str, Any]]:
        parsed = [json.loads(line) for line in self.text.splitlines()]
        assert all(isinstance(line, dict) for line in parsed)
        return parsed

    def access(self) -> list[dict[str, Any]]:
        """The access lines, one per request, oldest first."""
        return [line for line in self.lines() if line["logger"] == "api.access"]


@contextmanager
def captured_log(
    log_format: LogFormat = LogFormat.JSON, *, alone: bool = True
) -> Iterator[CapturedLog]:
    """Every record at DEBUG and above, while the block runs, in `log_format`.

    `alone`: the handler is the root logger's only one, as in the service, so access lines
    take their straight path (`api.logs.straight_handler`); False adds it beside pytest's
    (a `caplog` in the same test), so every line is made as a record.
    """
    captured = CapturedLog()
    handler = log_handler(log_format, captured.stream)
    root = logging.getLogger()
    level, handlers = root.level, root.handlers[:]
    root.handlers[:] = [handler] if alone else [*handlers, handler]
    root.setLevel(logging.DEBUG)
    try:
        yield captured
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
