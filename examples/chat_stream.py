"""Streaming chat, two ways: httpx reading the server-sent events itself (the username and
key in the JSON body), then the official `openai` SDK with `stream=True`. Each prints the
text as it arrives. A stream's cost is known only at its end: its hold is announced in the
`X-Myapi-Held-Units` header, and the balance shows what was charged.

    pip install httpx openai
    export MYAPI_BASE_URL=http://127.0.0.1:8080 MYAPI_USERNAME=alice MYAPI_KEY=myapi-...
    python examples/chat_stream.py
"""

from __future__ import annotations

import json
import os
import sys

import httpx
from openai import OpenAI

BASE_URL = os.environ.get("MYAPI_BASE_URL", "http://127.0.0.1:8080").rstrip("/")
USERNAME = os.environ["MYAPI_USERNAME"]
KEY = os.environ["MYAPI_KEY"]
MODEL = os.environ.get("MYAPI_MODEL", "gpt-4o-mini")
QUESTION = [{"role": "user", "content": "Count from one to five."}]


def with_httpx() -> None:
    body = {"username": USERNAME, "key": KEY, "model": MODEL, "messages": QUESTION}
    body["stream"] = True
    with httpx.stream("POST", f"{BASE_URL}/v1/chat/completions", json=body, timeout=120) as reply:
        if reply.is_error:
            sys.exit(f"{reply.status_code}: {json.loads(reply.read())['error']['message']}")
        print("held:", reply.headers["X-Myapi-Held-Units"], "units at most")
        print("httpx: ", end="")
        for line in reply.iter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            for choice in json.loads(line.removeprefix("data: "))["choices"]:
                print(choice["delta"].get("content") or "", end="", flush=True)
    print()


def with_openai_sdk() -> None:
    client = OpenAI(base_url=f"{BASE_URL}/v1", api_key=KEY)
    stream = client.chat.completions.create(model=MODEL, messages=QUESTION, stream=True)
    print("openai SDK: ", end="")
    for chunk in stream:
        for choice in chunk.choices:
            print(choice.delta.content or "", end="", flush=True)
    print()


if __name__ == "__main__":
    with_httpx()
    with_openai_sdk()
