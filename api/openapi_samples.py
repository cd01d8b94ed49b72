"""A curl call and a Python one for every operation, as the document's `x-codeSamples`.

Both are made from what the operation already declares (its path, its example body, how
it takes its input, whether it needs a key), so a route added later gets samples without
anyone writing them. The Python sample uses the official SDK where the route is that SDK's
(OpenAI, Anthropic, Google); elsewhere httpx, the seed's way, with `username` and `key` in
the body. Every sample reads the server's address, the username and the key from the
environment (`MYAPI_BASE_URL`, `MYAPI_USERNAME`, `MYAPI_KEY`), as the `examples/` scripts
do, so the document stays the same whatever address it is served at and can be cached.
"""

from __future__ import annotations

import json
import re
from typing import Any

from api.openapi_models import OperationDoc

_PARAMETER = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")
_ENVIRONMENT = 'BASE_URL = os.environ["MYAPI_BASE_URL"]\nKEY = os.environ["MYAPI_KEY"]\n'

#: The OpenAI SDK call of each route after its prefix (`/v1` or `/openai/v1`): the call
#: with the example's fields as keyword arguments (`{args}`), then what to print.
_OPENAI_CALLS: dict[tuple[str, str], str] = {
    ("POST", "/chat/completions"): (
        "reply = client.chat.completions.create({args})\nprint(reply.choices[0].message.content)"
    ),
    ("POST", "/embeddings"): (
        "reply = client.embeddings.create({args})\nprint(len(reply.data[0].embedding))"
    ),
    ("POST", "/images/generations"): (
        "image = client.images.generate({args})\n"
        "print(image.data[0].url or len(image.data[0].b64_json or ''))"
    ),
    ("POST", "/audio/speech"): (
        "with client.audio.speech.with_streaming_response.create({args}) as speech:\n"
        '    speech.stream_to_file("hello.mp3")'
    ),
    ("POST", "/audio/transcriptions"): (
        'with open("speech.mp3", "rb") as audio:\n'
        '    text = client.audio.transcriptions.create(model="whisper-1", file=audio)\n'
        "print(text.text)"
    ),
    ("POST", "/audio/translations"): (
        'with open("speech.mp3", "rb") as audio:\n'
        '    text = client.audio.translations.create(model="whisper-1", file=audio)\n'
        "print(text.text)"
    ),
    ("GET", "/models"): (
        "for model in client.models.list():\n"
        '    print(model.id, model.model_extra["available"], model.model_extra["pricing"])'
    ),
    ("GET", "/models/{model}"): (
        'model = client.models.retrieve("gpt-4o-mini")\nprint(model.model_extra)'
    ),
}

_ANTHROPIC = """\
import os

from anthropic import Anthropic

client = Anthropic(
    base_url=os.environ["MYAPI_BASE_URL"] + "/anthropic", api_key=os.environ["MYAPI_KEY"]
)
message = client.messages.create({args})
print(message.content[0].text)
"""

_GOOGLE = """\
import os

from google import genai
from google.genai import types

client = genai.Client(
    api_key=os.environ["MYAPI_KEY"],
    http_options=types.HttpOptions(base_url=os.environ["MYAPI_BASE_URL"] + "/google"),
)
reply = client.models.generate_content(model="gemini-2.5-flash", contents="Hello")
print(reply.text)
"""


def code_samples(method: str, path: str, doc: OperationDoc) -> list[dict[str, str]]:
    """Redoc's `x-codeSamples`: curl first, then Python."""
    python = {"lang": "Python", "label": _python_label(method, path)}
    return [
        {"lang": "Shell", "label": "curl", "source": curl_sample(method, path, doc)},
        {**python, "source": python_sample(method, path, doc)},
    ]


def example_path(path: str, doc: OperationDoc) -> str:
    """The path with each parameter at its documented example (or `1`)."""

    def value(match: re.Match[str]) -> str:
        examples = doc.path.get(match.group(1), {}).get("examples", [1])
        return str(examples[0])

    return _PARAMETER.sub(value, path)


def curl_sample(method: str, path: str, doc: OperationDoc) -> str:
    lines = [f'curl -X {method} "$MYAPI_BASE_URL{example_path(path, doc)}"']
    if doc.secured:
        lines.append('-H "Authorization: Bearer $MYAPI_KEY"')
    if doc.body is not None:
        body = json.dumps(doc.example or {}, ensure_ascii=False).replace("'", "'\\''")
        lines += ['-H "Content-Type: application/json"', f"-d '{body}'"]
    elif doc.form is not None:
        lines += ["-F file=@speech.mp3", "-F model=whisper-1"]
    return " \\\n  ".join(lines)


def _openai_call(method: str, path: str) -> tuple[str, str] | None:
    """The OpenAI SDK's base path and call for the route, or None when it has none."""
    for prefix in ("/openai/v1", "/v1"):
        if path.startswith(prefix + "/"):
            call = _OPENAI_CALLS.get((method, path.removeprefix(prefix)))
            return (prefix, call) if call is not None else None
    return None


def _python_label(method: str, path: str) -> str:
    if path.startswith("/anthropic/"):
        return "Anthropic SDK"
    if path.startswith("/google/"):
        return "Google Gen AI SDK"
    return "Python (httpx)" if _openai_call(method, path) is None else "OpenAI SDK"


def _keyword_arguments(example: dict[str, Any] | None) -> str:
    return ", ".join(f"{name}={value!r}" for name, value in (example or {}).items())


def python_sample(method: str, path: str, doc: OperationDoc) -> str:
    """The official SDK's call where the route is that SDK's, else httpx (the seed's way)."""
    args = _keyword_arguments(doc.example)
    if path.startswith("/anthropic/"):
        return _ANTHROPIC.format(args=args)
    if path.startswith("/google/"):
        return _GOOGLE
    openai_call = _openai_call(method, path)
    if openai_call is None:
        return _httpx_sample(method, path, doc)
    prefix, call = openai_call
    return (
        f"import os\n\nfrom openai import OpenAI\n\n{_ENVIRONMENT}"
        f'client = OpenAI(base_url=BASE_URL + "{prefix}", api_key=KEY)\n'
        + call.format(args=args)
        + "\n"
    )


def _httpx_sample(method: str, path: str, doc: OperationDoc) -> str:
    """httpx with the credentials in the JSON body where there is one, else a Bearer key."""
    arguments = [f'BASE_URL + "{example_path(path, doc)}"']
    if doc.body is not None:
        fields = ", ".join(f"{name!r}: {value!r}" for name, value in (doc.example or {}).items())
        credentials = '"username": os.environ["MYAPI_USERNAME"], "key": KEY'
        body = f"{credentials}, {fields}" if fields else credentials
        arguments.append(f"json={{{body}}}" if doc.secured else f"json={{{fields}}}")
    elif doc.secured:
        arguments.append('headers={"Authorization": "Bearer " + KEY}')
    arguments.append("timeout=120")
    call = ",\n    ".join(arguments)
    return (
        f"import os\n\nimport httpx\n\n{_ENVIRONMENT}"
        f"reply = httpx.request(\n    {method!r},\n    {call},\n)\n"
        'print(reply.status_code, reply.headers["content-type"])\n'
        'print(reply.text if "json" in reply.headers["content-type"] else len(reply.content))\n'
    )
