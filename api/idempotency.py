"""`Idempotency-Key` for billable routes: a retry replays the answer, never re-bills.

Routes do not use this module directly: the billed-request pipeline (`api.pipeline`) checks
the header with `idempotency_key` before the gate (a bad header or a stream is a 400 that
changes nothing in the database) and wraps the billed call in `idempotent` right after it.

Invariants: without the header nothing here runs, so nothing touches the database. With
it, the key is claimed in the database before the upstream call, so a duplicate on any
replica gets 409 and never a second upstream call. Only a 2xx answer the handler `keep`s is
stored, after the billing has set its cost headers; any other ending frees the key for a
retry. A replay, a 409 and a 422 release the gate's hold through a zero-cost usage record
(`CallBilling`), so nothing is charged and nothing stays held.

Which requests are "the same": the method, the path and the JSON body once `take_credentials`
has removed `username`/`key`, compared as canonical JSON (sorted keys, no whitespace), so a
retry may send its credentials another way, or the same object formatted differently.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from api.billing import BALANCE_HEADER, COST_HEADER, MODEL_HEADER, CallBilling
from api.context import ApiContext, context_of
from api.errors import REQUEST_ID, ApiError, InvalidRequestError
from providers.registry import Route
from storage.errors import DatabaseUnavailableError
from storage.idempotency import Claim, ClaimState, StoredResponse
from storage.models import Authorization

logger = logging.getLogger(__name__)

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
#: The answer's headers a replay repeats (the request id is the retry's own).
_STORED_HEADERS = ("Content-Type", COST_HEADER, BALANCE_HEADER, MODEL_HEADER)


class IdempotencyInProgressError(ApiError):
    status = 409
    code = "idempotency_in_progress"


class IdempotencyKeyReusedError(ApiError):
    status = 422
    code = "idempotency_key_reused"


@dataclass(slots=True)
class Once:
    """The handler's side of a key: a stored answer to replay, or the answer to store."""

    replay: web.Response | None = None
    kept: web.Response | None = None

    def keep(self, response: web.Response) -> web.Response:
        """Mark `response` as the answer to store (read after the billing has set its
        cost headers); returns it, so the handler can assign and return in one line."""
        self.kept = response
        return response


def idempotency_key(request: web.Request, *, stream: bool) -> str | None:
    """The request's Idempotency-Key, checked; None when the header is absent."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return None
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not all(" " <= char <= "~" for char in key):
        message = (
            f"the {IDEMPOTENCY_HEADER} header must be 1 to {MAX_KEY_LENGTH} printable ASCII "
            "characters (a UUID is a good choice)"
        )
        raise InvalidRequestError(message, code="invalid_idempotency_key")
    if stream:
        message = (
            f"the {IDEMPOTENCY_HEADER} header is not accepted with `stream: true`: a stream "
            "cannot be replayed; send the request without the header, or without streaming"
        )
        raise InvalidRequestError(message, param="stream", code="invalid_idempotency_key")
    return key


def request_fingerprint(request: web.Request, body: dict[str, Any]) -> str:
    """SHA-256 of the method, path and canonical JSON body (credentials already removed)."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    text = f"{request.method} {request.path}\n{canonical}"
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@asynccontextmanager
async def idempotent(
    request: web.Request,
    key: str,
    auth: Authorization,
    route: Route,
    body: dict[str, Any],
) -> AsyncIterator[Once]:
    """Claim `key` for this call, or answer from what an earlier call with it left."""
    once = Once()
    context = context_of(request)
    assert auth.account_id is not None
    store = context.idempotency
    claim = await _claim(context, request, auth, route, key, request_fingerprint(request, body))
    if claim.owner is None:
        once.replay = await _answer_from_claim(context, request, auth, route, claim)
        yield once
        return
    try:
        yield once
    except BaseException:
        await store.abandon(auth.account_id, key, claim.owner)
        raise
    stored = _storable(once.kept)
    if stored is None:
        await store.abandon(auth.account_id, key, claim.owner)
        return
    try:
        await store.complete(auth.account_id, key, claim.owner, stored)
    except DatabaseUnavailableError as error:  # the call was served: answer it all the same
        logger.warning("request %s: its answer was not stored (%s)", request[REQUEST_ID], error)
    except Exception:  # the call succeeded and was paid: answer it, a retry re-runs it
        logger.exception("request %s: its answer could not be stored", request[REQUEST_ID])


async def _claim(
    context: ApiContext,
    request: web.Request,
    auth: Authorization,
    route: Route,
    key: str,
    fingerprint: str,
) -> Claim:
    """Claim the key; if that fails (the database went away after the gate), settle the
    gate's hold at zero before the error leaves, so the money is not held until recovery."""
    assert auth.account_id is not None
    try:
        return await context.idempotency.claim(auth.account_id, key, fingerprint)
    except BaseException:
        async with CallBilling(context, auth, route, request):
            raise


async def _answer_from_claim(
    context: ApiContext,
    request: web.Request,
    auth: Authorization,
    route: Route,
    claim: Claim,
) -> web.Response:
    """409, 422 or the replay; the empty bill's record releases the gate's hold."""
    async with CallBilling(context, auth, route, request) as bill:
        if claim.state is ClaimState.MISMATCH:
            raise IdempotencyKeyReusedError(
                f"this {IDEMPOTENCY_HEADER} was already used with a different request body "
                "(or path): use a new key for a new request",
                code="idempotency_key_reused",
            )
        if claim.state is ClaimState.IN_PROGRESS:
            raise IdempotencyInProgressError(
                f"a request with this {IDEMPOTENCY_HEADER} is still running: retry after it "
                "ends to get its answer",
                code="idempotency_in_progress",
            )
        assert claim.response is not None
        bill.status = claim.response.status
    return _replayed(claim.response)


def _replayed(stored: StoredResponse) -> web.Response:
    headers = {**stored.headers, REPLAYED_HEADER: "true"}
    return web.Response(status=stored.status, body=stored.body, headers=headers)


def _storable(response: web.Response | None) -> StoredResponse | None:
    """The answer to keep: a 2xx with a bytes body; anything else is not replayed."""
    if response is None or not 200 <= response.status < 300:
        return None
    body = response.body
    if not isinstance(body, bytes):
        return None
    headers = {
        name: response.headers[name] for name in _STORED_HEADERS if name in response.headers
    }
    return StoredResponse(status=response.status, body=body, headers=headers)
