"""The providers package's own exceptions, translated to HTTP errors only in api/."""

from __future__ import annotations

from enum import StrEnum


class ProviderError(Exception):
    """Base of every error this package raises on purpose."""


class CatalogError(ProviderError):
    """The models-and-prices file is missing, malformed or inconsistent."""


class UnknownModelError(ProviderError):
    def __init__(self, model: str) -> None:
        self.model = model
        super().__init__(f"unknown model {model!r}")


class UnboundedRequestError(ProviderError):
    """A request whose cost cannot be bounded from above here, so it cannot be held.

    The edge answers it as a 400 naming `param`, before the gate: nothing is written.
    """

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param


class ProviderUnavailableError(ProviderError):
    """The model's provider has no API key configured."""

    def __init__(self, provider: str) -> None:
        self.provider = provider
        super().__init__(f"provider {provider!r} is not configured")


class ModelUnpricedError(ProviderError):
    """Neither the list prices nor the catalog price the model: it cannot be billed."""

    def __init__(self, model: str, reason: str) -> None:
        self.model = model
        self.reason = reason
        super().__init__(reason)


class UpstreamFailure(StrEnum):
    """How a provider's call failed, for the operator (the client sees only `status`).

    Set where the failure is recognised (`providers.http`); an error raised elsewhere is an
    answer that came back (2xx) but could not be used, hence the default.
    """

    TIMEOUT = "timeout"
    CONNECTION = "connection"
    RATE_LIMITED = "rate_limited"
    #: The provider refused the operator's own key (its 401/403): the operator must act.
    OPERATOR_KEY = "operator_key"
    CLIENT_ERROR = "4xx"
    SERVER_ERROR = "5xx"
    BAD_ANSWER = "bad_answer"


class UpstreamError(ProviderError):
    """The provider's call failed; `status` is what the client should see, `kind` why."""

    def __init__(
        self,
        status: int,
        message: str,
        retry_after: str | None = None,
        *,
        kind: UpstreamFailure = UpstreamFailure.BAD_ANSWER,
    ) -> None:
        self.status = status
        self.message = message
        self.retry_after = retry_after
        self.kind = kind
        super().__init__(message)


class UpstreamTimeoutError(UpstreamError):
    def __init__(self, message: str = "the provider did not answer in time") -> None:
        super().__init__(504, message, kind=UpstreamFailure.TIMEOUT)
