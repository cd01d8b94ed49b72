"""Typed API errors and the one middleware that renders every error in OpenAI's shape.

Handlers raise; they never build an error response. The middleware also translates the
other packages' exceptions (providers, aiohttp's own 404/405/413) at this edge, so a client
always gets `{"error": {"message", "type", "code", "param"}}` and an SDK raises the right
exception class for the status.
"""

from __future__ import annotations

import itertools
import logging
import uuid
from collections.abc import Awaitable, Callable

from aiohttp import web

from api.error_shapes import shaped
from api.json_answer import json_answer
from providers.errors import (
    ModelUnpricedError,
    ProviderUnavailableError,
    UnboundedRequestError,
    UnknownModelError,
    UpstreamError,
    UpstreamFailure,
)
from storage.errors import DatabaseUnavailableError

logger = logging.getLogger(__name__)

REQUEST_ID = web.RequestKey("request_id", str)
#: The status recorded for a request whose client went away before it ended (nginx's).
CLIENT_CLOSED = 499
BODY_LIMIT = web.AppKey("body_limit", int)
BODY_TIMEOUT = web.AppKey("body_timeout", float)
#: The Retry-After of an answer refused because the database is unavailable, in seconds.
DATABASE_RETRY_AFTER = 5
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ApiError(Exception):
    """An error a client caused or must know about; rendered by the error middleware."""

    status = 400
    type = "invalid_request_error"
    code: str | None = None

    def __init__(
        self,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.headers = headers or {}
        if code is not None:
            self.code = code


class InvalidRequestError(ApiError):
    status = 400
    code = "invalid_request"


class AuthenticationError(ApiError):
    status = 401
    type = "authentication_error"
    code = "invalid_api_key"


class InsufficientBalanceError(ApiError):
    status = 402
    type = "insufficient_balance"
    code = "insufficient_balance"


class AccountLockedError(ApiError):
    status = 403
    type = "permission_error"
    code = "account_locked"


class RequestTimeoutError(ApiError):
    status = 408
    code = "request_timeout"


class RateLimitError(ApiError):
    status = 429
    type = "rate_limit_error"
    code = "rate_limit_exceeded"


class NotFoundError(ApiError):
    status = 404
    code = "not_found"


class ConflictError(ApiError):
    """The resource's state does not allow the request yet (a running background response
    cannot be deleted): the client must change that state first."""

    status = 409
    code = "conflict"


class QuotaExceededError(ApiError):
    """A stored resource (the image library) is full: the client must free space first."""

    status = 409
    code = "quota_exceeded"


class ServiceUnavailableError(ApiError):
    status = 503
    type = "service_unavailable"
    code = "provider_unavailable"


class UpstreamFailedError(ApiError):
    type = "upstream_error"
    code = "upstream_error"

    def __init__(
        self,
        status: int,
        message: str,
        headers: dict[str, str] | None = None,
        *,
        operator: bool = False,
    ) -> None:
        super().__init__(message, headers=headers)
        self.status = status
        if status == 429:
            self.code = "rate_limit_exceeded"
        elif status == 503 and operator:
            # The operator's own provider account (out of funds or quota, or refused): the
            # service is unavailable, as when the provider has no key at all.
            self.type, self.code = "service_unavailable", "provider_unavailable"
        elif status == 503:
            self.code = "upstream_unavailable"
        elif status == 504:
            self.code = "upstream_timeout"


def error_body(error: ApiError) -> dict[str, object]:
    return {
        "error": {
            "message": error.message,
            "type": error.type,
            "code": error.code,
            "param": error.param,
        }
    }


def _from_http_exception(exception: web.HTTPException, request: web.Request) -> ApiError:
    if isinstance(exception, web.HTTPRequestEntityTooLarge):
        error = ApiError(
            f"the request body is larger than the {request.app[BODY_LIMIT]} bytes this "
            "service accepts: send a smaller body",
            code="request_too_large",
        )
    elif isinstance(exception, web.HTTPMethodNotAllowed):
        allowed = ", ".join(sorted(exception.allowed_methods))
        error = ApiError(
            f"{request.method} is not allowed on {request.path}; use {allowed}",
            code="method_not_allowed",
        )
    elif isinstance(exception, web.HTTPNotFound):
        error = NotFoundError(f"there is no route {request.method} {request.path}: see /v1/models")
    else:
        error = ApiError(exception.reason, code=exception.reason.lower().replace(" ", "_"))
    error.status = exception.status
    return error


def _translate(exception: Exception, request: web.Request) -> ApiError | None:
    """Errors of other packages, as the client should see them; None for a real bug."""
    if isinstance(exception, ApiError):
        return exception
    if isinstance(exception, web.HTTPException):
        return _from_http_exception(exception, request)
    if isinstance(exception, UnknownModelError):
        return NotFoundError(
            f"the model {exception.model!r} does not exist here: GET /v1/models lists them",
            param="model",
            code="model_not_found",
        )
    if isinstance(exception, UnboundedRequestError):
        return InvalidRequestError(exception.message, param=exception.param)
    if isinstance(exception, ModelUnpricedError):
        return ServiceUnavailableError(
            f"{exception.reason}; nothing was charged: choose another model from GET /v1/models",
            param="model",
            code="model_unpriced",
        )
    if isinstance(exception, ProviderUnavailableError):
        return ServiceUnavailableError(
            f"the provider {exception.provider!r} is not configured on this service; "
            "nothing was charged: choose another model from GET /v1/models"
        )
    if isinstance(exception, UpstreamError):
        headers = {"Retry-After": exception.retry_after} if exception.retry_after else None
        operator = exception.kind is UpstreamFailure.OPERATOR_KEY
        return UpstreamFailedError(exception.status, exception.message, headers, operator=operator)
    if isinstance(exception, DatabaseUnavailableError):
        return database_unavailable(exception)
    return None


def database_unavailable(error: DatabaseUnavailableError) -> ServiceUnavailableError:
    """503 with Retry-After: nothing the client sent was wrong, and nothing was charged
    for this request (a call already served is billed when the database is back)."""
    logger.warning("answering 503: %s", error)
    return ServiceUnavailableError(
        f"{error}; nothing was charged for this request: retry in a few seconds",
        code="database_unavailable",
        headers={"Retry-After": str(DATABASE_RETRY_AFTER)},
    )


def _render(error: ApiError, request: web.Request, request_id: str) -> web.Response:
    headers = {**error.headers, "X-Request-Id": request_id}
    body = shaped(error_body(error), error.status, request.path)
    return json_answer(body, status=error.status, headers=headers)


class RequestIds:
    """Request ids: a random per-process prefix and a counter, 32 hex characters like a UUID.

    Unique across processes and restarts (the prefix is 80 random bits) without reading
    the OS's randomness per request, as `uuid4` does: profiled under the bench's load, that
    call (which releases the GIL, then waits for it while the database thread runs) took
    about 5% of the event loop's samples.
    """

    def __init__(self) -> None:
        self._prefix = uuid.uuid4().hex[:20]
        self._numbers = itertools.count()

    def next(self) -> str:
        return f"{self._prefix}{next(self._numbers) % 16**12:012x}"


def assign_request_id(request: web.Request, ids: RequestIds) -> str:
    """Give the request its id: the client's `X-Request-Id` when it is short and printable,
    else a new one; stored as `request[REQUEST_ID]`."""
    request_id = request.headers.get("X-Request-Id") or ids.next()
    if len(request_id) > 64 or not request_id.isprintable():
        request_id = ids.next()
    request[REQUEST_ID] = request_id
    return request_id


def error_answer(exception: Exception, request: web.Request, request_id: str) -> web.Response:
    """The OpenAI-shaped answer to an error a handler raised: the edge of the service, so
    every error leaves in one shape (an unexpected one is logged, and answered as a 500
    that names only the request id)."""
    error = _translate(exception, request)
    if error is None:
        logger.exception("unhandled error in request %s", request_id)
        error = ApiError("the service failed unexpectedly; the request id says which")
        error.status, error.type, error.code = 500, "api_error", "internal_error"
    return _render(error, request, request_id)


async def stamp_request_id(request: web.Request, response: web.StreamResponse) -> None:
    """`on_response_prepare`: every answer carries its request's `X-Request-Id`, a stream's
    and a relayed body's too, since the headers are stamped as they are sent (a middleware
    sees a stream only after it was prepared, too late to add a header)."""
    request_id = request.get(REQUEST_ID)
    if request_id is not None:
        response.headers.setdefault("X-Request-Id", request_id)
