"""Audio transcription, two ways: httpx posting a multipart form with `username` and `key`
as form fields (the seed's way), then the official `openai` SDK. `whisper-1` is billed per
minute of the audio, measured by the service from the file itself.

    pip install httpx openai
    export MYAPI_BASE_URL=http://127.0.0.1:8080 MYAPI_USERNAME=alice MYAPI_KEY=myapi-...
    python examples/audio_transcription.py speech.mp3

Without a file it sends one second of silence, made here, so it runs as it is.
"""

from __future__ import annotations

import io
import os
import sys
import wave
from pathlib import Path

import httpx
from openai import OpenAI

BASE_URL = os.environ.get("MYAPI_BASE_URL", "http://127.0.0.1:8080").rstrip("/")
USERNAME = os.environ["MYAPI_USERNAME"]
KEY = os.environ["MYAPI_KEY"]
MODEL = os.environ.get("MYAPI_MODEL", "whisper-1")


def audio() -> tuple[str, bytes]:
    """The file named on the command line, or one second of silence as a WAV file."""
    if len(sys.argv) > 1:
        path = Path(sys.argv[1])
        return path.name, path.read_bytes()
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(16000)
        writer.writeframes(b"\x00\x00" * 16000)
    return "silence.wav", buffer.getvalue()


def with_httpx(name: str, content: bytes) -> str:
    reply = httpx.post(
        f"{BASE_URL}/v1/audio/transcriptions",
        data={"username": USERNAME, "key": KEY, "model": MODEL},
        files={"file": (name, content)},
        timeout=300,
    )
    if reply.is_error:
        sys.exit(f"{reply.status_code}: {reply.json()['error']['message']}")
    return str(reply.json()["text"])


def with_openai_sdk(name: str, content: bytes) -> str:
    client = OpenAI(base_url=f"{BASE_URL}/v1", api_key=KEY)
    return client.audio.transcriptions.create(model=MODEL, file=(name, content)).text


if __name__ == "__main__":
    name, content = audio()
    print("httpx:", with_httpx(name, content))
    print("openai SDK:", with_openai_sdk(name, content))
