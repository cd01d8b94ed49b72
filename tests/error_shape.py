"""OpenAI's error shape, checked the same way by the error, OpenAPI and fuzz tests."""

from __future__ import annotations

from typing import Any


def assert_openai_shape(body: dict[str, Any]) -> None:
    assert set(body) == {"error"}
    assert set(body["error"]) == {"message", "type", "code", "param"}
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]
