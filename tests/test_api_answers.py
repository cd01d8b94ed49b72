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
