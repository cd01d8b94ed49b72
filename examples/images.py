"""Image generation, two ways: httpx with the username and key in the JSON body, then the
official `openai` SDK. Each call is billed per image returned, at the catalog's price for
its size and quality (`GET /v1/models` lists them); a URL answer is printed, a base64 one
saved as a PNG file.

    pip install httpx openai
    export MYAPI_BASE_URL=http://127.0.0.1:8080 MYAPI_USERNAME=alice MYAPI_KEY=myapi-...
    python examples/images.py
"""

from __future__ import annotations

import base64
import os
import sys
from pathlib import Path

import httpx
from openai import OpenAI

BASE_URL = os.environ.get("MYAPI_BASE_URL", "http://127.0.0.1:8080").rstrip("/")
USERNAME = os.environ["MYAPI_USERNAME"]
KEY = os.environ["MYAPI_KEY"]
MODEL = os.environ.get("MYAPI_MODEL", "dall-e-3")
PROMPT = "A small cozy robotics lab, cinematic lighting"


def shown(url: str | None, b64_json: str | None, name: str) -> str:
    """The image's URL, or the file its base64 bytes were saved to."""
    if url:
        return url
    path = Path(f"{name}.png")
    path.write_bytes(base64.b64decode(b64_json or ""))
    return f"saved {path}"


def with_httpx() -> str:
    reply = httpx.post(
        f"{BASE_URL}/v1/images/generations",
        json={"username": USERNAME, "key": KEY, "model": MODEL, "prompt": PROMPT},
        timeout=300,
    )
    if reply.is_error:
        sys.exit(f"{reply.status_code}: {reply.json()['error']['message']}")
    image = reply.json()["data"][0]
    return shown(image.get("url"), image.get("b64_json"), "httpx_image")


def with_openai_sdk() -> str:
    client = OpenAI(base_url=f"{BASE_URL}/v1", api_key=KEY)
    image = client.images.generate(model=MODEL, prompt=PROMPT, size="1024x1024")
    assert image.data  # the service answers with the provider's images
    return shown(image.data[0].url, image.data[0].b64_json, "sdk_image")


if __name__ == "__main__":
    print("httpx:", with_httpx())
    print("openai SDK:", with_openai_sdk())
