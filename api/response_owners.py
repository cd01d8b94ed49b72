"""Stored responses belong to the account that created them through this service.

Every user's call reaches OpenAI under the operator's one key, so OpenAI would serve any
stored response to whoever names its id. The service therefore records each response's
owner when the response is made (`storage.responses`) and serves an id only to that owner:

- a non-streaming response's owner is recorded with its call, in the settlement's one
  statement (`Bill.response_id`); a stream's as soon as its `response.created` event
  passes (`claiming`), before the client can learn the id, so a next request continuing it
  never races the stream's settlement; a response not stored (`store: false`) has nothing
  to own;
- a request naming a response (`previous_response_id`, a prompt-cache comparison, or a
  management call's path) is checked inside the billed call, after the gate, and an id
  that is not the caller's is 404 `not_found` with nothing sent to the provider: the same
  answer whether the id exists for someone else or nowhere.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from api.context import ApiContext
from api.errors import NotFoundError
from providers.openai_responses import created_response_id
from providers.served import Served
from storage.responses import OwnedResponse

#: The most bytes read for the stream's first event before giving up on finding its id
#: (OpenAI's `response.created` is a few kilobytes).
_FIRST_EVENT_LIMIT = 256 * 1024


async def require_owned(
    context: ApiContext, account_id: int, named: Sequence[tuple[str, str]]
) -> list[OwnedResponse]:
    """The responses `named` ((field, response id) pairs), when the account created them
    all here; 404 for the first it did not."""
    owned = await context.responses.owned(account_id, [value for _, value in named])
    found = {response.id for response in owned}
    for param, missing in named:
        if missing not in found:
            raise NotFoundError(
                f"no response {missing!r} of yours here: a response id works only for the "
                "account that created it through this service; nothing was sent to the "
                "provider",
                param=param,
            )
    return owned


class ClaimingChunks:
    """A stream's chunks, unchanged: the response's owner is recorded (`claim`) before the
    chunk that completes its first event is passed on.

    An iterator object, like the `Upstream`'s own (see `providers.http`): a relay whose
    handler was cancelled reads on through it. A chunk whose claim was interrupted is kept
    and passed on at the next read, after the claim (which is idempotent) has run again.
    """

    def __init__(
        self, chunks: AsyncIterator[bytes], claim: Callable[[str], Awaitable[None]]
    ) -> None:
        self._chunks = chunks
        self._claim = claim
        self._head = b""
        self._held: bytes | None = None
        self._done = False

    def __aiter__(self) -> ClaimingChunks:
        return self

    async def __anext__(self) -> bytes:
        if self._done:
            return await self._chunks.__anext__()
        if self._held is None:
            self._held = await self._chunks.__anext__()
            self._head += self._held
        first, end, _ = self._head.partition(b"\n\n")
        if end or len(self._head) > _FIRST_EVENT_LIMIT:
            if (found := created_response_id(first)) is not None:
                await self._claim(found)
            self._done = True
        chunk, self._held = self._held, None
        return chunk


@asynccontextmanager
async def claiming(
    opened: AbstractAsyncContextManager[Served[AsyncIterator[bytes]]],
    claim: Callable[[str], Awaitable[None]],
) -> AsyncIterator[Served[AsyncIterator[bytes]]]:
    """`opened`'s stream, its response's owner recorded by `claim` as the id goes by."""
    async with opened as served:
        yield Served(served.route, ClaimingChunks(served.answer, claim))
