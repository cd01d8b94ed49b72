"""Anthropic's Messages API, two ways: httpx with the username and key in the JSON body,
then the official `anthropic` SDK with its `base_url` at the service's `/anthropic`.
`max_tokens` is required, as Anthropic requires it; it also bounds the call's hold.

    pip install httpx anthropic
    export MYAPI_BASE_URL=http://127.0.0.1:8080 MYAPI_USERNAME=alice MYAPI_KEY=myapi-...
    python examples/anthropic_messages.py
"""

from __future__ import annotations

import os
import sys

import httpx
from anthropic import Anthropic

BASE_URL = os.environ.get("MYAPI_BASE_URL", "http://127.0.0.1:8080").rstrip("/")
USERNAME = os.environ["MYAPI_USERNAME"]
KEY = os.environ["MYAPI_KEY"]
MODEL = os.environ.get("MYAPI_MODEL", "claude-3-5-haiku-latest")
QUESTION = [{"role": "user", "content": "Say hello in one short sentence."}]


def with_httpx() -> str:
    reply = httpx.post(
        f"{BASE_URL}/anthropic/v1/messages",
        json={
            "username": USERNAME,
            "key": KEY,
            "model": MODEL,
            "max_tokens": 256,
            "messages": QUESTION,
        },
        timeout=120,
    )
    if reply.is_error:
        sys.exit(f"{reply.status_code}: {reply.json()['error']['message']}")
    return "".join(block.get("text", "") for block in reply.json()["content"])


def with_anthropic_sdk() -> str:
    client = Anthropic(base_url=f"{BASE_URL}/anthropic", api_key=KEY)
    message = client.messages.create(model=MODEL, max_tokens=256, messages=QUESTION)
    return "".join(block.text for block in message.content if block.type == "text")


if __name__ == "__main__":
    print("httpx:", with_httpx())
    print("anthropic SDK:", with_anthropic_sdk())
