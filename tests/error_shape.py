"""OpenAI's error shape, checked the same way by the error, OpenAPI and fuzz tests.

Every error has OpenAI's four keys; on Anthropic's routes it sits in Anthropic's envelope
(`"type": "error"` beside it), and on Google's routes it also names Google's `status`.
"""

from __future__ import annotations

from typing import Any


def assert_openai_shape(body: dict[str, Any]) -> None:
    assert set(body) in ({"error"}, {"type", "error"})
    assert body.get("type", "error") == "error"
    assert set(body["error"]) - {"status"} == {"message", "type", "code", "param"}
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]
