"""An error's body in the shape the client's own SDK reads: OpenAI's everywhere, with the
fields Anthropic's and Google's SDKs look for added on their routes.

Every error keeps OpenAI's four keys (`message`, `type`, `code`, `param`), so one shape
serves every client and the service's tests. On top of that:

- under `/anthropic/`, the body is Anthropic's envelope (`{"type": "error", "error": ...}`)
  and `error.type` is Anthropic's name for the status (`billing_error` for a 402...);
- under `/google/`, `error.status` is Google's canonical status name: google-genai prints an
  error as `<code> <status>. <body>`, and without it says "401 None.".

Pure functions of the status and the path; no I/O.
"""

from __future__ import annotations

#: Anthropic's error types by HTTP status (its API reference, "Errors").
_ANTHROPIC_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    504: "timeout_error",
    529: "overloaded_error",
}

#: google.rpc.Code names by the HTTP status Google's APIs answer them with.
_GOOGLE_STATUSES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    402: "FAILED_PRECONDITION",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    408: "DEADLINE_EXCEEDED",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


def anthropic_error_type(status: int) -> str:
    """Anthropic's `error.type` for `status`: a 4xx it does not name is an invalid request,
    anything else an `api_error`."""
    default = "invalid_request_error" if 400 <= status < 500 else "api_error"
    return _ANTHROPIC_TYPES.get(status, default)


def google_status(status: int) -> str:
    """Google's canonical status name for an HTTP `status`."""
    if status in _GOOGLE_STATUSES:
        return _GOOGLE_STATUSES[status]
    if 400 <= status < 500:
        return "INVALID_ARGUMENT"
    return "INTERNAL" if status == 500 else "UNAVAILABLE"


def shaped(body: dict[str, object], status: int, path: str) -> dict[str, object]:
    """`body` (OpenAI's `{"error": {...}}`) in the shape of the provider `path` speaks."""
    error = body["error"]
    assert isinstance(error, dict)
    if path.startswith("/anthropic/"):
        return {"type": "error", "error": {**error, "type": anthropic_error_type(status)}}
    if path.startswith("/google/"):
        return {"error": {**error, "status": google_status(status)}}
    return body
