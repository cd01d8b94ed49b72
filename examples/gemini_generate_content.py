"""Gemini's generateContent, two ways: httpx with the username and key in the JSON body,
then the official `google-genai` SDK with its `base_url` at the service's `/google`. Your
key never reaches Google: the service calls it with the operator's.

    pip install httpx google-genai
    export MYAPI_BASE_URL=http://127.0.0.1:8080 MYAPI_USERNAME=alice MYAPI_KEY=myapi-...
    python examples/gemini_generate_content.py
"""

from __future__ import annotations

import os
import sys

import httpx
from google import genai
from google.genai import types

BASE_URL = os.environ.get("MYAPI_BASE_URL", "http://127.0.0.1:8080").rstrip("/")
USERNAME = os.environ["MYAPI_USERNAME"]
KEY = os.environ["MYAPI_KEY"]
MODEL = os.environ.get("MYAPI_MODEL", "gemini-2.5-flash")
QUESTION = "Say hello in one short sentence."


def with_httpx() -> str:
    reply = httpx.post(
        f"{BASE_URL}/google/v1beta/models/{MODEL}:generateContent",
        json={
            "username": USERNAME,
            "key": KEY,
            "contents": [{"role": "user", "parts": [{"text": QUESTION}]}],
            "generationConfig": {"maxOutputTokens": 256},
        },
        timeout=120,
    )
    if reply.is_error:
        sys.exit(f"{reply.status_code}: {reply.json()['error']['message']}")
    parts = reply.json()["candidates"][0]["content"]["parts"]
    return "".join(part.get("text", "") for part in parts)


def with_google_sdk() -> str:
    client = genai.Client(
        api_key=KEY, http_options=types.HttpOptions(base_url=f"{BASE_URL}/google")
    )
    config = types.GenerateContentConfig(max_output_tokens=256)
    reply = client.models.generate_content(model=MODEL, contents=QUESTION, config=config)
    return reply.text or ""


if __name__ == "__main__":
    print("httpx:", with_httpx())
    print("google-genai SDK:", with_google_sdk())
