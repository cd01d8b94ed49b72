"""Relaying a speech answer to the client as it arrives, for every speech model.

Speech is paid for once the provider has answered 2xx: from then on the provider bills the
operator for it. So:

- a client that leaves mid-audio is still charged (recorded as 499). With a `listener` (a
  token-billed model, whose bill depends on what the provider produced) the relay reads on
  without the client, as a chat stream's relay does (`api.relay.read_on_after_client_left`,
  at most STREAM_DRAIN_SECONDS), so the listener sees the whole answer or its usage;
- audio the provider breaks off costs nothing, and the client's connection is closed
  unfinished, so the audio cannot pass for complete;
- a shutdown past its grace period abandons the call without reading on.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from api.billing import HELD_HEADER, MODEL_HEADER, Bill
from api.errors import CLIENT_CLOSED, REQUEST_ID
from api.relay import abandoned_by_shutdown, read_on_after_client_left
from providers.dialect import StreamScanner
from providers.errors import UpstreamError
from providers.openai_media_client import AudioStream

logger = logging.getLogger(__name__)


async def relay_audio(
    request: web.Request,
    audio: AudioStream,
    bill: Bill,
    model: str,
    listener: StreamScanner | None = None,
) -> web.StreamResponse:
    """Pass the audio on as it arrives, with the provider's Content-Type (and the catalog
    name of the `model` that speaks, in MODEL_HEADER).

    Ends with `bill.status` saying how: 200, CLIENT_CLOSED, or the provider's failure
    (then `bill` is charged nothing). The listener, when given, is fed every byte the
    provider sent, and `finish`ed when the answer ended whole.
    """
    response = web.StreamResponse(
        headers={
            "Content-Type": audio.content_type,
            HELD_HEADER: str(bill.held),
            MODEL_HEADER: model,
        }
    )
    await response.prepare(request)
    try:
        async for chunk in audio.chunks:
            await response.write(listener.feed(chunk) if listener else chunk)
    except (ConnectionResetError, asyncio.CancelledError) as left:
        if isinstance(left, asyncio.CancelledError) and (
            listener is None or abandoned_by_shutdown(request, left)
        ):
            raise
        logger.info("request %s: the client left mid-audio (charged)", request[REQUEST_ID])
        bill.status = CLIENT_CLOSED
        if listener is not None:
            await read_on_after_client_left(request, left, audio.chunks, listener, bill)
        return response
    except UpstreamError as error:
        logger.warning("request %s: the audio broke off: %s", request[REQUEST_ID], error)
        bill.status = error.status
        bill.charge(0, 0, 0)
        if request.transport is not None:
            request.transport.close()  # unfinished on purpose: the client must see it broke
        return response
    if listener is not None:
        listener.finish()
    await response.write_eof()
    return response
