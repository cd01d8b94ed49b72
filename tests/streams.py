"""Streaming calls of every dialect, driven the same way by the stream-ending tests.

Each `Dialect` knows its route, a body, its fake's switches (pause after the first event,
hold back the usage, leave it out, break off) and the usage its fake reports, so one test
states one rule for OpenAI-compatible chat, OpenAI's Responses API, Anthropic and Gemini
streams alike. Nothing here sleeps: the fakes wait on events the tests set.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import ClientSession

from api.app import create_api_app
from api.inflight import IN_FLIGHT, InFlight
from providers.catalog import Model, load_catalog
from providers.prompt_estimate import (
    anthropic_prompt_tokens,
    gemini_prompt_tokens,
    openai_prompt_tokens,
    openai_responses_prompt_tokens,
)
from providers.usage import TokenUsage
from tests.conftest import ApiHarness
from tests.fakes.anthropic import FakeAnthropic
from tests.fakes.gemini import FakeGemini
from tests.fakes.server import serve_app
from tests.fakes.upstream import FakeUpstream

CATALOG = load_catalog()
#: Large enough for a 2 MB image in a prompt.
MAX_BODY_BYTES = 4 * 1024 * 1024


@dataclass
class Dialect:
    """One streaming dialect and the switches of its fake upstream."""

    name: str
    path: str
    body: dict[str, Any]
    model: Model
    #: What the fake reports as the call's usage (much hidden output: reasoning, thinking).
    usage: TokenUsage
    credential_header: str
    estimate: Callable[[dict[str, Any]], int]
    pause_after_first_event: Callable[[], None]
    resume: Callable[[], None]
    hold_back_usage: Callable[[], None]
    release_usage: Callable[[], None]
    leave_out_usage: Callable[[], None]
    break_off_after: Callable[[int], None]
    #: Replace the reply with `count` one-word output events.
    long_reply: Callable[[int], None]
    #: The body with `image` (base64) as a media part of the prompt.
    with_image: Callable[[str], dict[str, Any]]
    #: The body with the output (thinking included) bounded at one token.
    one_output_token: Callable[[], dict[str, Any]]
    releases: list[Callable[[], None]] = field(default_factory=list)

    def headers(self, key: str) -> dict[str, str]:
        return {self.credential_header: key}

    def release(self) -> None:
        """Let every held-back fake handler go (the test's end)."""
        for release in self.releases:
            release()


def _openai_fake_switches(fake: FakeUpstream) -> dict[str, Any]:
    """The switches of the fake OpenAI upstream, which chat and the Responses API share."""
    pause, gate = asyncio.Event(), asyncio.Event()
    return {
        "pause_after_first_event": lambda: setattr(fake, "pause_stream", pause),
        "resume": pause.set,
        "hold_back_usage": lambda: setattr(fake, "usage_gate", gate),
        "release_usage": gate.set,
        "leave_out_usage": lambda: setattr(fake, "omit_usage", True),
        "break_off_after": lambda count: setattr(fake, "cut_stream_after", count),
        "long_reply": lambda count: setattr(fake, "reply", " ".join(["word"] * count)),
        "releases": [pause.set, gate.set],
    }


def openai(api: ApiHarness) -> Dialect:
    fake = api.upstream
    fake.prompt_tokens, fake.completion_tokens = 12, 20_006
    body: dict[str, Any] = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "hi there"}],
        "stream": True,
    }

    def image(data: str) -> dict[str, Any]:
        url = {"url": f"data:image/png;base64,{data}"}
        content = [
            {"type": "text", "text": "what is this?"},
            {"type": "image_url", "image_url": url},
        ]
        return {**body, "messages": [{"role": "user", "content": content}]}

    return Dialect(
        name="openai",
        path="/v1/chat/completions",
        body=body,
        model=CATALOG.get("gpt-4o-mini"),
        usage=TokenUsage(12, 20_006),
        credential_header="x-api-key",
        estimate=openai_prompt_tokens,
        **_openai_fake_switches(fake),
        with_image=image,
        one_output_token=lambda: {**body, "max_tokens": 1},
    )


def responses(api: ApiHarness) -> Dialect:
    """OpenAI's Responses API, served by the same fake as chat (its switches are shared)."""
    fake = api.upstream
    fake.prompt_tokens, fake.completion_tokens = 12, 20_006
    fake.responses.reasoning_tokens = 20_000
    body: dict[str, Any] = {"model": "gpt-4o-mini", "input": "hi there", "stream": True}

    def image(data: str) -> dict[str, Any]:
        content = [
            {"type": "input_text", "text": "what is this?"},
            {"type": "input_image", "image_url": f"data:image/png;base64,{data}"},
        ]
        return {**body, "input": [{"role": "user", "content": content}]}

    return Dialect(
        name="responses",
        path="/v1/responses",
        body=body,
        model=CATALOG.get("gpt-4o-mini"),
        usage=TokenUsage(12, 20_006, reasoning_tokens=20_000),
        credential_header="x-api-key",
        estimate=openai_responses_prompt_tokens,
        **_openai_fake_switches(fake),
        with_image=image,
        one_output_token=lambda: {**body, "max_output_tokens": 1},
    )


def anthropic(fake: FakeAnthropic) -> Dialect:
    fake.input_tokens, fake.output_tokens = 25, 5_000
    body: dict[str, Any] = {
        "model": "claude-3-5-haiku-latest",
        "max_tokens": 8192,
        "messages": [{"role": "user", "content": "Say hi"}],
        "stream": True,
    }
    gate = asyncio.Event()

    def image(data: str) -> dict[str, Any]:
        source = {"type": "base64", "media_type": "image/png", "data": data}
        content = [{"type": "image", "source": source}, {"type": "text", "text": "what?"}]
        return {**body, "messages": [{"role": "user", "content": content}]}

    return Dialect(
        name="anthropic",
        path="/anthropic/v1/messages",
        body=body,
        model=CATALOG.get("claude-3-5-haiku-latest"),
        usage=TokenUsage(25, 5_000),
        credential_header="x-api-key",
        estimate=anthropic_prompt_tokens,
        pause_after_first_event=lambda: setattr(fake, "pause_after", 1),
        resume=fake.resume.set,
        hold_back_usage=lambda: setattr(fake, "usage_gate", gate),
        release_usage=gate.set,
        leave_out_usage=lambda: setattr(fake, "omit_usage", True),
        break_off_after=lambda count: setattr(fake, "cut_after", count),
        long_reply=lambda count: setattr(fake, "reply", " ".join(["word"] * count)),
        with_image=image,
        one_output_token=lambda: {**body, "max_tokens": 1},
        releases=[fake.resume.set, gate.set],
    )


def gemini(fake: FakeGemini) -> Dialect:
    fake.prompt_tokens, fake.candidates_tokens, fake.thoughts_tokens = 9, 6, 4_000
    body: dict[str, Any] = {"contents": [{"role": "user", "parts": [{"text": "Say hello"}]}]}
    pause, gate = asyncio.Event(), asyncio.Event()

    def image(data: str) -> dict[str, Any]:
        parts = [{"inlineData": {"mimeType": "image/png", "data": data}}, {"text": "what?"}]
        return {"contents": [{"role": "user", "parts": parts}]}

    return Dialect(
        name="gemini",
        path="/google/v1beta/models/gemini-1.5-flash:streamGenerateContent?alt=sse",
        body=body,
        model=CATALOG.get("gemini-1.5-flash"),
        usage=TokenUsage(9, 4_006),
        credential_header="x-goog-api-key",
        estimate=gemini_prompt_tokens,
        pause_after_first_event=lambda: setattr(fake, "pause_stream", pause),
        resume=pause.set,
        hold_back_usage=lambda: setattr(fake, "usage_gate", gate),
        release_usage=gate.set,
        leave_out_usage=lambda: setattr(fake, "omit_usage", True),
        break_off_after=lambda count: setattr(fake, "cut_stream_after", count),
        long_reply=lambda count: setattr(fake, "pieces", ("word ",) * count),
        with_image=image,
        one_output_token=lambda: {
            **body,
            "generationConfig": {"maxOutputTokens": 1, "thinkingConfig": {"thinkingBudget": 0}},
        },
        releases=[pause.set, gate.set],
    )


@asynccontextmanager
async def gateway(
    api: ApiHarness,
    *,
    cancel_on_disconnect: bool,
    drain_seconds: float = 120.0,
    in_flight: InFlight | None = None,
) -> AsyncIterator[str]:
    """The harness's API on its own server; yields its root URL.

    `cancel_on_disconnect` is how aiohttp's test server treats a client that leaves (the
    handler is cancelled); without it, as `web.run_app` serves, only a failed write tells.
    """
    app = create_api_app(
        api.context, max_body_bytes=MAX_BODY_BYTES, stream_drain_seconds=drain_seconds
    )
    if in_flight is not None:
        app[IN_FLIGHT] = in_flight
    async with serve_app(
        app, handler_cancellation=cancel_on_disconnect, shutdown_timeout=1
    ) as url:
        yield url


async def relay_reading_on(caplog: pytest.LogCaptureFixture) -> None:
    """Until the relay has noticed its client left and reads on (polled, never slept on)."""
    for _ in range(500):
        if "reading on" in caplog.text:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the relay never noticed that its client left")


async def leave_after_the_first_event(
    url: str, dialect: Dialect, key: str, body: dict[str, Any] | None = None
) -> None:
    """Start a stream, read its first bytes, and go away; returns once the server has had
    a whole request on another connection to notice (a full round trip, not a sleep)."""
    async with ClientSession(url) as session:
        async with session.post(
            dialect.path, json=body or dialect.body, headers=dialect.headers(key)
        ) as response:
            assert response.status == 200
            assert await response.content.readany()
            response.close()
        async with session.get("/health") as health:
            assert health.status == 200


async def post_whole_stream(url: str, dialect: Dialect, key: str, body: dict[str, Any]) -> None:
    """A stream read to its end (whatever error event ends it)."""
    async with (
        ClientSession(url) as session,
        session.post(dialect.path, json=body, headers=dialect.headers(key)) as sent,
    ):
        assert sent.status == 200
        await sent.read()
