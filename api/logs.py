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
import sys
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import IO, Any

from api.request_facts import current_facts
from api.settings import LogFormat

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
#: The request's own fields (`RequestContext` fills them in), then the access line's.
REQUEST_FIELDS = ("request_id", "account_id", "key_prefix", "route")
ACCESS_FIELDS = ("method", "status", "latency_ms", "cost", "provider")
#: `json.dumps(..., ensure_ascii=False, default=str)` made once: with arguments, `dumps`
#: builds an encoder per call, most of what a short line costs.
_JSON = json.JSONEncoder(ensure_ascii=False, default=str)
#: A line's named fields by name (`REQUEST_FIELDS`, `ACCESS_FIELDS`); None where unknown.
Fields = Mapping[str, object]


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
        return self.time_text(record.created)

    def time_text(self, created: float) -> str:
        """`created` as logging's default `asctime`: local date, time and milliseconds."""
        second = int(created)
        if second != self._second:
            self._second_text = time.strftime(self.default_time_format, self.converter(second))
            self._second = second
        milliseconds = int((created - second) * 1000)  # as `LogRecord.msecs`
        return "%s,%03d" % (self._second_text, milliseconds)  # noqa: UP031 (logging's own)

    def line(self, created: float, level: str, name: str, message: str, _: Fields) -> str:
        """The line a record of these values is formatted to (one without a traceback)."""
        return f"{self.time_text(created)} {level} {name}: {message}"  # TEXT_FORMAT's


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line (newlines inside values are escaped)."""

    def format(self, record: logging.LogRecord) -> str:
        fields = {name: getattr(record, name, None) for name in (*REQUEST_FIELDS, *ACCESS_FIELDS)}
        exception = self.formatException(record.exc_info) if record.exc_info else None
        return self.line(
            record.created, record.levelname, record.name, record.getMessage(), fields, exception
        )

    def line(
        self,
        created: float,
        level: str,
        name: str,
        message: str,
        fields: Fields,
        exception: str | None = None,
    ) -> str:
        """The line of a record of these values: the named fields that are not None, in the
        order of `REQUEST_FIELDS` and `ACCESS_FIELDS`, and the traceback last."""
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds"),
            "level": level,
            "logger": name,
            "message": message,
        }
        for field in (*REQUEST_FIELDS, *ACCESS_FIELDS):
            value = fields.get(field)
            if value is not None:
                line[field] = value
        if exception:
            line["exception"] = exception
        return _JSON.encode(line)


class ServiceLogHandler(logging.StreamHandler[IO[str]]):
    """The service's handler: `log_format`'s lines to a stream, with the request's ids.

    It can also take a line without a `LogRecord` (`write_straight`): the access line is
    written for every request, and going through `logging` cost about 65 k instructions
    of a billed call's 1.8 M, for nothing a record adds when this handler is the only one
    it reaches (`straight_handler` says when).
    """

    def __init__(self, log_format: LogFormat, stream: IO[str] | None = None) -> None:
        super().__init__(sys.stderr if stream is None else stream)
        self.lines = JsonFormatter() if log_format is LogFormat.JSON else TextFormatter()
        self.setFormatter(self.lines)
        self.addFilter(RequestContext())

    @property
    def shows_fields(self) -> bool:
        """Whether a line shows the named fields (JSON); text shows its message only."""
        return isinstance(self.lines, JsonFormatter)

    def write_straight(self, level: str, name: str, message: str, fields: Fields) -> bool:
        """Write the line a record of these values would be (`level` by name: "INFO");
        False when the stream refused it (the caller then logs the record, which reports
        the error)."""
        line = self.lines.line(time.time(), level, name, message, fields)
        lock = self.lock
        assert lock is not None  # made by Handler.__init__
        try:
            with lock:
                self.stream.write(line + self.terminator)
                self.stream.flush()
        except (OSError, ValueError):
            return False
        return True


def straight_handler(logger: logging.Logger, level: int) -> ServiceLogHandler | None:
    """The handler a record of `logger` at `level` reaches, when it is exactly one
    `ServiceLogHandler` with its own filter only, and nothing on the way filters it; None
    otherwise (an operator's handler, a test's capture, a filter, a disabled logger: the
    record is made, and `logging` decides).

    Invariant: writing straight to the returned handler gives the bytes `logger.log` would.
    Plain loops: this runs for every request, and a generator cost it three times as much.
    """
    if logger.disabled or logger.filters:  # `dictConfig` disables the loggers it finds
        return None
    found: logging.Handler | None = None
    current: logging.Logger | None = logger
    while current is not None:
        for handler in current.handlers:
            if level >= handler.level:
                if found is not None:
                    return None
                found = handler
        current = current.parent if current.propagate else None
    if type(found) is not ServiceLogHandler:
        return None
    filters = found.filters
    return found if len(filters) == 1 and type(filters[0]) is RequestContext else None


def log_handler(log_format: LogFormat, stream: IO[str] | None = None) -> ServiceLogHandler:
    """A handler writing `log_format` to `stream` (stderr by default), request ids added."""
    return ServiceLogHandler(log_format, stream)


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
