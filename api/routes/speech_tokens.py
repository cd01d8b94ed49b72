"""The call and the bill of a token-billed speech model (gpt-4o-mini-tts).

The plan (`providers.speech_tokens.plan_speech`) held the input's bound and the most audio
one answer can hold; here the call is made, its answer relayed (`api.audio_relay`, which
reads on without a client that left), and billed once it has ended:

- from the usage of an SSE answer's `speech.audio.done` event, as the provider reports it
  (logged when it costs more than the hold: the hold's bound was passed);
- else from the length of the audio the provider sent, measured from its packets in a
  worker thread, at `AUDIO_TOKENS_PER_MINUTE`: an estimate, so capped at the hold;
- the whole hold when that length cannot be known (the audio is unreadable, or a client
  left and the provider did not finish within the drain bound), logged: the provider
  billed the operator something the gateway cannot see;
- nothing when the provider broke the audio off.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from api.audio_relay import relay_audio
from api.billing import Bill
from api.context import context_of
from api.credentials import Credentials
from api.errors import CLIENT_CLOSED, REQUEST_ID
from api.pipeline import billed_request
from providers.catalog import Model
from providers.openai_media_client import OpenAIMediaClient
from providers.registry import Route
from providers.speech_tokens import SpeechListener, SpeechPlan, measured_usage
from providers.usage import JsonObject, TokenUsage

logger = logging.getLogger(__name__)
#: The statuses of a call whose answer the provider delivered (to the client, or not).
_DELIVERED = (200, CLIENT_CLOSED)


async def speak_tokens(
    request: web.Request,
    credentials: Credentials,
    route: Route,
    payload: JsonObject,
    plan: SpeechPlan,
) -> web.StreamResponse:
    """Hold `plan.hold`, relay the provider's speech, charge what it produced."""
    client = OpenAIMediaClient(context_of(request).upstream)
    listener = SpeechListener(plan)
    async with (
        billed_request(request, credentials, route, plan.hold, body=None) as call,
        client.speech(route, payload) as audio,
    ):
        try:
            response = await relay_audio(request, audio, call.bill, route.model.name, listener)
        except asyncio.CancelledError:
            await _charge(request, call.bill, route.model, plan, listener)
            raise
        if call.bill.status in _DELIVERED:
            charged = _charge(request, call.bill, route.model, plan, listener)
            charge = asyncio.ensure_future(charged)
            try:
                # Measuring the audio takes a worker thread: a client that leaves meanwhile
                # (its handler cancelled) must not make delivered speech free.
                await asyncio.shield(charge)
            except asyncio.CancelledError:
                await charge
                raise
        return response


async def _charge(
    request: web.Request, bill: Bill, model: Model, plan: SpeechPlan, listener: SpeechListener
) -> None:
    if (usage := listener.reported()) is not None:
        if (cost := model.cost_of(usage)) > bill.held:
            logger.warning(
                "request %s: %s reported %d units of speech held at %d",
                request[REQUEST_ID],
                model.name,
                cost,
                bill.held,
            )
        bill.charge_tokens(model, usage)
        return
    unfinished = bill.status == CLIENT_CLOSED and not listener.complete
    seconds = None if unfinished else await asyncio.to_thread(listener.seconds)
    if seconds is None:
        logger.warning(
            "request %s: the length of %s's speech is unknown (%s); charged the hold",
            request[REQUEST_ID],
            model.name,
            "unfinished when its client left" if unfinished else "unreadable audio",
        )
        bill.charge_hold(TokenUsage(plan.input_tokens, 0))
        return
    bill.charge_estimate(model, measured_usage(plan, seconds))
