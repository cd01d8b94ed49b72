"""OpenAI's Responses API, two ways: httpx with the username and key in the JSON body (the
seed's way, for any HTTP client), then the official `openai` SDK's `responses.create`.

    pip install httpx openai
    export MYAPI_BASE_URL=http://127.0.0.1:8080 MYAPI_USERNAME=alice MYAPI_KEY=myapi-...
    python examples/responses.py
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
QUESTION = "Say hello in one short sentence."


def with_httpx() -> str:
    body = {"username": USERNAME, "key": KEY, "model": MODEL, "input": QUESTION}
    reply = httpx.post(f"{BASE_URL}/v1/responses", json={**body, "max_output_tokens": 200})
    if reply.is_error:  # every error is {"error": {"message", "type", "code", "param"}}
        sys.exit(f"{reply.status_code}: {reply.json()['error']['message']}")
    print("cost:", reply.headers["X-Myapi-Cost-Units"], "units (10^-6 of the currency)")
    texts = [
        part["text"]
        for item in reply.json()["output"]
        if item["type"] == "message"
        for part in item["content"]
        if part["type"] == "output_text"
    ]
    return "".join(texts)


def with_openai_sdk() -> str:
    client = OpenAI(base_url=f"{BASE_URL}/v1", api_key=KEY)
    response = client.responses.create(model=MODEL, input=QUESTION, max_output_tokens=200)
    return response.output_text


if __name__ == "__main__":
    print("httpx:", with_httpx())
    print("openai SDK:", with_openai_sdk())
