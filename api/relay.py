"""Relaying a provider's event stream to the client, for every streaming route.

One relay for all of them, so the rules of DESIGN.md hold the same everywhere: events pass
on as soon as each is complete, never buffered whole; a stream the provider breaks off ends
with an error event in that provider's own shape; and the call is billed from the provider's
own usage whenever it arrives.

How a stream ends decides what it costs (README, "How a call ends"):
- the provider's usage arrived: that usage, as it is;
- the client left first: the relay reads on, discarding, for at most the drain bound
  (STREAM_DRAIN_SECONDS), and bills the usage if it comes, else the whole hold; leaving a
  stream must never make its unseen output (reasoning, tool arguments, thinking) cheaper;
- the provider broke off or ended without usage: an estimate of what was produced (prompt
  without media payloads, output counted), never above the hold, nothing when nothing was;
- a shutdown past its grace period cancelled the call: the service abandoned it, not the
  client, so there is no time to read on and the estimate is billed, as for a break.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, suppress
from typing import Any

from aiohttp import web

from api.billing import HELD_HEADER, MODEL_HEADER, Bill
from api.errors import CLIENT_CLOSED, REQUEST_ID
from api.inflight import IN_FLIGHT
from api.observe import StreamWatch
from providers.catalog import Model
from providers.dialect import ChatDialect, StreamScanner
from providers.errors import UpstreamError
from providers.served import Served
from providers.usage import JsonObject, TokenUsage

logger = logging.getLogger(__name__)

#: How long a relay whose client left reads on for the provider's usage (seconds).
STREAM_DRAIN: web.AppKey[float] = web.AppKey("stream_drain_seconds", float)
DEFAULT_STREAM_DRAIN_SECONDS = 120.0


async def relay_stream(
    request: web.Request,
    opened: AbstractAsyncContextManager[Served[AsyncIterator[bytes]]],
    bill: Bill,
    *,
    dialect: ChatDialect[Any],
    body: JsonObject,
    prompt: JsonObject,
) -> web.StreamResponse:
    """Open the upstream stream, relay it, and record on `bill` what it cost.

    The dialect reads the stream (its scanner for the client's `body`) and writes the error
    event in its own shape. A refusal before the first byte raises from `opened` (an
    ordinary error answer), after every key and fallback was tried; the stream is billed at
    the model that answered, named in its headers. The prompt's estimate
    (`dialect.prompt_tokens(prompt)`) is made at the end, and only when the provider's own
    usage never came: computing it up front would cost every stream for the rare broken one.
    """
    scanner = dialect.scanner(body)
    error_event = dialect.error_event
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            HELD_HEADER: str(bill.held),
        }
    )
    client_left = False
    model: Model | None = None
    watch = StreamWatch(request)
    try:
        async with opened as served:
            model = served.model
            bill.served_by(model)
            response.headers[MODEL_HEADER] = model.name
            with watch:
                try:
                    await response.prepare(request)
                    bill.status = await _pass_on(
                        served.answer, scanner, response, error_event, watch, bill
                    )
                except (ConnectionResetError, asyncio.CancelledError) as left:
                    if abandoned_by_shutdown(request, left):
                        raise
                    client_left = True
                    await read_on_after_client_left(request, left, served.answer, scanner, bill)
                    return response
        await response.write_eof()
    except ConnectionResetError:  # the last write: every event had been read and billed
        logger.info("request %s: the client left at the stream's end", request[REQUEST_ID])
        bill.status = CLIENT_CLOSED
    finally:
        if model is not None:  # nothing was produced when no provider answered
            _settle(
                bill,
                scanner,
                model,
                lambda: dialect.prompt_tokens(prompt),
                client_left=client_left,
            )
    return response


def abandoned_by_shutdown(request: web.Request, error: BaseException) -> bool:
    """Whether `error` is shutdown's cancellation after its grace period, not a client's."""
    in_flight = request.config_dict.get(IN_FLIGHT)
    return isinstance(error, asyncio.CancelledError) and bool(in_flight and in_flight.abandoned)


async def read_on_after_client_left(
    request: web.Request,
    left: BaseException,
    chunks: AsyncIterator[bytes],
    scanner: StreamScanner,
    bill: Bill,
) -> None:
    """Read on to the provider's usage (or the stream's end), then end as the client's
    leaving showed up; the speech relay (`api.audio_relay`) reads on the same way.

    A cancelled handler (a server that cancels handlers on disconnect) is un-cancelled for
    the bounded drain and cancelled again after it, so the billing context still sees a
    cancellation; a failed write (`web.run_app`, which cancels nothing) just returns.
    """
    logger.info("request %s: the client left mid-stream; reading on", request[REQUEST_ID])
    bill.status = CLIENT_CLOSED
    cancelled = isinstance(left, asyncio.CancelledError)
    task = asyncio.current_task()
    if cancelled and task is not None:
        task.uncancel()
    seconds = request.config_dict.get(STREAM_DRAIN, DEFAULT_STREAM_DRAIN_SECONDS)
    bill.failure = await _drain(chunks, scanner, seconds)
    if cancelled:
        raise left


async def _drain(
    chunks: AsyncIterator[bytes], scanner: StreamScanner, seconds: float
) -> UpstreamError | None:
    """Read the upstream, discarding, until its usage arrives, it ends, or `seconds` pass.

    Nothing reaches the client any more; the scanner reads every event as before. Returns
    the provider's failure, if it failed meanwhile.
    """
    try:
        async with asyncio.timeout(seconds):
            async for chunk in chunks:
                scanner.feed(chunk)
                if scanner.reported() is not None:
                    return None
            scanner.finish()
    except (TimeoutError, UpstreamError) as error:
        logger.info("the provider's usage did not come after the client left: %s", error)
        return error if isinstance(error, UpstreamError) else None
    return None


def _settle(
    bill: Bill,
    scanner: StreamScanner,
    model: Model,
    prompt_estimate: Callable[[], int],
    *,
    client_left: bool,
) -> None:
    """Record the stream's cost on `bill`, by the rules in this module's docstring."""
    if (usage := scanner.reported()) is not None:
        bill.charge_tokens(model, usage)
        return
    prompt = prompt_estimate()
    estimate = scanner.produced(prompt)
    if client_left:
        bill.charge_hold(estimate or TokenUsage(prompt, 0))
    elif estimate is not None:
        bill.charge_estimate(model, estimate)


async def _pass_on(
    chunks: AsyncIterator[bytes],
    scanner: StreamScanner,
    response: web.StreamResponse,
    error_event: Callable[[UpstreamError], bytes],
    watch: StreamWatch,
    bill: Bill,
) -> int:
    """Forward events as they complete; return the status to record for the call.

    The scanner reads an event before the client gets it, so an event that could not be
    delivered still counts as produced: the provider produced (and bills) it all the same.
    A provider's failure mid-stream is kept on `bill` (`failure`), to be counted.
    """
    try:
        async for chunk in chunks:
            if events := scanner.feed(chunk):
                watch.first_event()
                await response.write(events)
    except UpstreamError as error:
        bill.failure = error
        with suppress(ConnectionResetError):  # the upstream is over: nothing left to read
            await response.write(error_event(error))
        return error.status
    if rest := scanner.finish():
        await response.write(rest)
    return 502 if scanner.failed else 200
