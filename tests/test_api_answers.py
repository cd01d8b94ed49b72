"""What every answer of the service carries: its request id (streams and relayed audio too)
and JSON written as UTF-8, readable in a terminal."""

from __future__ import annotations

from tests.conftest import ApiHarness

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
SPEECH = {"model": "tts-1", "input": "hello", "voice": "alloy"}


async def test_a_stream_carries_the_request_id(api: ApiHarness) -> None:
    key = await api.register()
    response = await api.client.post(
        "/v1/chat/completions",
        json={**CHAT, "stream": True, "key": key},
        headers={"X-Request-Id": "stream-id-1"},
    )
    assert response.headers["Content-Type"].startswith("text/event-stream")
    assert response.headers["X-Request-Id"] == "stream-id-1"
    await response.read()


async def test_relayed_speech_carries_a_request_id(api: ApiHarness) -> None:
    key = await api.register()
    response = await api.client.post("/v1/audio/speech", json={**SPEECH, "key": key})
    assert response.status == 200
    assert len(response.headers["X-Request-Id"]) == 32
    await response.read()


async def test_errors_are_utf8_json_not_ascii_escapes(api: ApiHarness) -> None:
    key = await api.register()
    response = await api.client.post(
        "/v1/chat/completions", json={**CHAT, "model": "модель", "key": key}
    )
    raw = await response.read()
    assert response.status == 404
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert "'модель'" in raw.decode("utf-8")
    assert b"\\u04" not in raw


async def test_google_route_errors_name_googles_status(api: ApiHarness) -> None:
    response = await api.client.post(
        "/google/v1beta/models/gemini-2.5-flash:generateContent",
        json={"contents": [{"parts": [{"text": "hi"}]}]},
        headers={"x-goog-api-key": "wrong"},
    )
    error = (await response.json())["error"]
    assert response.status == 401
    assert (error["status"], error["code"]) == ("UNAUTHENTICATED", "invalid_api_key")


async def test_anthropic_route_errors_come_in_anthropics_envelope(api: ApiHarness) -> None:
    await api.register()
    response = await api.client.post(
        "/anthropic/v1/messages",
        json={
            "model": "claude-haiku-4-5",
            "max_tokens": 5,
            "messages": [{"role": "user", "content": "hi"}],
        },
        headers={"x-api-key": "wrong"},
    )
    body = await response.json()
    assert response.status == 401
    assert body["type"] == "error"
    assert body["error"]["type"] == "authentication_error"
