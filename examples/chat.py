"""Chat completions, two ways: httpx with the username and key in the JSON body (the seed's
way, for any HTTP client), then the official `openai` SDK, which sends the key as a Bearer
token. Both ask the same question and print the answer.

    pip install httpx openai
    export MYAPI_BASE_URL=http://127.0.0.1:8080 MYAPI_USERNAME=alice MYAPI_KEY=myapi-...
    python examples/chat.py
"""

from __future__ import annotations

import os
import sys

import httpx
from openai import OpenAI

BASE_URL = os.environ.get("MYAPI_BASE_URL", "http://127.0.0.1:8080").rstrip("/")
USERNAME = os.environ["MYAPI_USERNAME"]
KEY = os.environ["MYAPI_KEY"]
MODEL = os.environ.get("MYAPI_MODEL", "gpt-4o-mini")
QUESTION = [{"role": "user", "content": "Say hello in one short sentence."}]


def with_httpx() -> str:
    reply = httpx.post(
        f"{BASE_URL}/v1/chat/completions",
        json={"username": USERNAME, "key": KEY, "model": MODEL, "messages": QUESTION},
        timeout=120,
    )
    if reply.is_error:  # every error is {"error": {"message", "type", "code", "param"}}
        sys.exit(f"{reply.status_code}: {reply.json()['error']['message']}")
    print("cost:", reply.headers["X-Myapi-Cost-Units"], "units (10^-6 of the currency)")
    return str(reply.json()["choices"][0]["message"]["content"])


def with_openai_sdk() -> str:
    client = OpenAI(base_url=f"{BASE_URL}/v1", api_key=KEY)
    reply = client.chat.completions.create(model=MODEL, messages=QUESTION)
    return reply.choices[0].message.content or ""


if __name__ == "__main__":
    print("httpx:", with_httpx())
    print("openai SDK:", with_openai_sdk())
