"""How the service logs: lines for people by default, one JSON object per line with
LOG_FORMAT=json, and each request's ids on every record made while it runs.

A JSON line always has `time` (UTC, ISO 8601), `level`, `logger` and `message`, and, when
known, the request's `request_id`, `account_id`, `key_prefix` (a key's display prefix,
never the key) and `route`, and the access line's `method`, `status`, `latency_ms`,
`cost` (units charged) and `provider`; a failure's traceback is `exception`.

Invariant: a record carries only what its message and these named fields say: keys and
tokens are never formatted into messages (tests/test_secrets_not_logged.py checks both
formats), and no other attribute of a record is copied out.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime
from typing import IO, Any

from api.observe import current_facts
from api.settings import LogFormat

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
#: The request's own fields (`RequestContext` fills them in), then the access line's.
REQUEST_FIELDS = ("request_id", "account_id", "key_prefix", "route")
ACCESS_FIELDS = ("method", "status", "latency_ms", "cost", "provider")


class RequestContext(logging.Filter):
    """Adds the current request's ids to every record made while it runs (never drops one).

    A filter, not the formatter, reads them: it runs in the task that logs, where the
    request's context is, whatever thread later formats the record.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        facts = current_facts()
        if facts is not None:
            record.request_id = facts.request_id
            record.account_id = facts.account_id
            record.key_prefix = facts.key_prefix
            record.route = facts.route
        return True


class TextFormatter(logging.Formatter):
    """`TEXT_FORMAT`, with each second's date and time formatted once, not once a record:
    every request writes its access line, and `time.strftime` was an eighth of its cost."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)
        self._second = -1
        self._second_text = ""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        second = int(record.created)
        if second != self._second:
            self._second_text = time.strftime(self.default_time_format, self.converter(second))
            self._second = second
        return "%s,%03d" % (self._second_text, record.msecs)  # noqa: UP031 (logging's own)


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line (newlines inside values are escaped)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in (*REQUEST_FIELDS, *ACCESS_FIELDS):
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def log_handler(log_format: LogFormat, stream: IO[str] | None = None) -> logging.Handler:
    """A handler writing `log_format` to `stream` (stderr by default), request ids added."""
    handler = logging.StreamHandler(stream)
    formatter = JsonFormatter() if log_format is LogFormat.JSON else TextFormatter()
    handler.setFormatter(formatter)
    handler.addFilter(RequestContext())
    return handler


def configure_logging(level: str, log_format: LogFormat) -> None:
    """The serving process's logging: one handler on the root logger, at `level`.

    A record is made for every request (its access line), so what no format here shows is
    not gathered: the caller's file and line (a walk up the stack), the thread's and the
    process's names (the logging HOWTO's "Optimization" switches).
    """
    logging._srcfile = None  # documented: skips findCaller
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    logging.basicConfig(level=level, handlers=[log_handler(log_format)], force=True)
