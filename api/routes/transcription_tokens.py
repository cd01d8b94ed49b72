"""The call and the bill of a token-billed transcription or translation (gpt-4o-transcribe...).

The plan (`providers.transcription_tokens.plan_tokens`) sized the hold from the measured
audio and made sure the provider is asked for an answer that carries its usage; here the
call is made and billed:

- from the usage the provider reports (the JSON answer's `usage`, or a stream's final
  `transcript.text.done` event), with `Model.cost_of`: what the operator is billed for it;
- a usage that costs more than the hold is still charged as reported (the storage caps the
  charge at the balance and records the rest as the call's shortfall), and logged, since it
  means the hold's bounds were passed;
- an answer without a usage is charged the hold, the most the call was allowed to cost,
  and logged: the provider billed the operator something the gateway cannot see.

A client that asked for `text` is answered the transcript as plain text, as OpenAI answers
`text`, though the provider was asked for `json`.
"""

from __future__ import annotations

import logging

from aiohttp import web

from api.context import context_of
from api.credentials import Credentials
from api.errors import REQUEST_ID
from api.pipeline import billed_request
from providers.errors import UpstreamError
from providers.openai_media_client import MediaReply, OpenAIMediaClient
from providers.registry import Route
from providers.transcription_tokens import (
    TokenPlan,
    answer_usage,
    streamed_usage,
    transcript_of,
)
from providers.usage import TokenUsage

logger = logging.getLogger(__name__)


def _usage(reply: MediaReply) -> TokenUsage | None:
    if reply.content_type.startswith("text/event-stream"):
        return streamed_usage(reply.body)
    return answer_usage(reply.data)


def _answer(reply: MediaReply, plan: TokenPlan) -> web.Response:
    if not plan.answer_text:
        return web.Response(body=reply.body, headers={"Content-Type": reply.content_type})
    text = transcript_of(reply.data)
    if text is None:
        raise UpstreamError(502, "the provider's transcription answer carried no `text`")
    return web.Response(text=text, content_type="text/plain")


async def transcribe_tokens(
    request: web.Request, credentials: Credentials, route: Route, path: str, plan: TokenPlan
) -> web.Response:
    """Hold `plan.hold`, call the provider, charge the usage it reports."""
    client = OpenAIMediaClient(context_of(request).upstream)
    model = route.model
    async with billed_request(request, credentials, route, plan.hold, body=None) as call:
        reply = await client.post_form(route, path, plan.parts)
        usage = _usage(reply)
        if usage is None:
            logger.warning(
                "request %s: the transcription answer of %s reported no token usage; "
                "charged the hold",
                request[REQUEST_ID],
                model.name,
            )
            call.bill.charge_hold(TokenUsage(0, 0))
        else:
            cost = model.cost_of(usage)
            if cost > plan.hold:
                logger.warning(
                    "request %s: %s billed %d units for a transcription held at %d "
                    "(%d input tokens, %d of them audio, %d output tokens)",
                    request[REQUEST_ID],
                    model.name,
                    cost,
                    plan.hold,
                    usage.input_tokens,
                    usage.input_audio_tokens,
                    usage.output_tokens,
                )
            call.bill.charge_tokens(model, usage)
        return call.answer(_answer(reply, plan))
