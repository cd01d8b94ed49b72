"""Embeddings, two ways: httpx with the username and key in the JSON body, then the
official `openai` SDK. Billed from the provider's `usage.prompt_tokens`.

    pip install httpx openai
    export MYAPI_BASE_URL=http://127.0.0.1:8080 MYAPI_USERNAME=alice MYAPI_KEY=myapi-...
    python examples/embeddings.py
"""

from __future__ import annotations

import os
import sys

import httpx
from openai import OpenAI

BASE_URL = os.environ.get("MYAPI_BASE_URL", "http://127.0.0.1:8080").rstrip("/")
USERNAME = os.environ["MYAPI_USERNAME"]
KEY = os.environ["MYAPI_KEY"]
MODEL = os.environ.get("MYAPI_MODEL", "text-embedding-3-small")
TEXTS = ["The quick brown fox", "jumps over the lazy dog"]


def with_httpx() -> list[int]:
    reply = httpx.post(
        f"{BASE_URL}/v1/embeddings",
        json={"username": USERNAME, "key": KEY, "model": MODEL, "input": TEXTS},
        timeout=120,
    )
    if reply.is_error:
        sys.exit(f"{reply.status_code}: {reply.json()['error']['message']}")
    return [len(item["embedding"]) for item in reply.json()["data"]]


def with_openai_sdk() -> list[int]:
    client = OpenAI(base_url=f"{BASE_URL}/v1", api_key=KEY)
    vectors = client.embeddings.create(model=MODEL, input=TEXTS)
    return [len(item.embedding) for item in vectors.data]


if __name__ == "__main__":
    print("httpx: dimensions", with_httpx())
    print("openai SDK: dimensions", with_openai_sdk())
