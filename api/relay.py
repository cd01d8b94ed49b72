"""Relaying a provider's event stream to the client, for every streaming route.

One relay for all of them, so the rules of DESIGN.md hold the same everywhere: events pass
on as soon as each is complete, never buffered whole; a client that goes away stops the
relay (leaving the block closes the upstream call); a stream the provider breaks off ends
with an error event in that provider's own shape; and the call is billed for what the
stream produced, by the scanner's reading of it, or not at all when nothing was.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from aiohttp import web

from api.billing import CLIENT_CLOSED, HELD_HEADER, Bill
from api.errors import REQUEST_ID
from providers.catalog import Model
from providers.errors import UpstreamError
from providers.openai_compat import TokenUsage

logger = logging.getLogger(__name__)


class StreamScanner(Protocol):
    """Reads a provider's stream as it passes: what to forward, and what it produced."""

    #: True when the stream itself reported a failure (an error event from the provider).
    failed: bool

    def feed(self, chunk: bytes) -> bytes:
        """Take raw upstream bytes; return the complete events to pass on."""
        ...

    def finish(self) -> bytes:
        """The upstream ended normally: whatever is left to pass on."""
        ...

    def billable(self, prompt_estimate: int) -> TokenUsage | None:
        """What the stream produced, to bill; None when it produced nothing."""
        ...


async def relay_stream(
    request: web.Request,
    opened: AbstractAsyncContextManager[AsyncIterator[bytes]],
    scanner: StreamScanner,
    bill: Bill,
    *,
    model: Model,
    held: int,
    prompt_estimate: Callable[[], int],
    error_event: Callable[[UpstreamError], bytes],
) -> web.StreamResponse:
    """Open the upstream stream, relay it, and record on `bill` what it produced.

    A refusal before the first byte raises from `opened` (an ordinary error answer).
    `prompt_estimate` is called at the end, and only matters when the provider's own usage
    never came: computing it up front would cost every stream for the rare broken one.
    """
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            HELD_HEADER: str(held),
        }
    )
    try:
        async with opened as chunks:
            await response.prepare(request)
            bill.status = await _pass_on(chunks, scanner, response, error_event)
        await response.write_eof()
    except ConnectionResetError:
        logger.info("request %s: the client left mid-stream", request[REQUEST_ID])
        bill.status = CLIENT_CLOSED
    finally:
        if usage := scanner.billable(prompt_estimate()):
            bill.charge_tokens(model, usage)
    return response


async def _pass_on(
    chunks: AsyncIterator[bytes],
    scanner: StreamScanner,
    response: web.StreamResponse,
    error_event: Callable[[UpstreamError], bytes],
) -> int:
    """Forward events as they complete; return the status to record for the call.

    The scanner reads an event before the client gets it, so an event that could not be
    delivered still counts as produced: the provider produced (and bills) it all the same.
    """
    try:
        async for chunk in chunks:
            if events := scanner.feed(chunk):
                await response.write(events)
    except UpstreamError as error:
        await response.write(error_event(error))
        return error.status
    if rest := scanner.finish():
        await response.write(rest)
    return 502 if scanner.failed else 200
