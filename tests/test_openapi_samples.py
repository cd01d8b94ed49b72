"""Every operation of `/openapi.json` carries a curl call and a Python one
(`x-codeSamples`), and they work: a sample of each provider's routes is run against the
service (the real app on loopback) and the fake providers, as a user would paste it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ApiHarness
from tests.scripts import Ran, python, run_script, script_env

pytestmark = pytest.mark.fake_providers("anthropic", "gemini", "stability")


async def operations(api: ApiHarness) -> dict[tuple[str, str], dict[str, Any]]:
    document: dict[str, Any] = await (await api.client.get("/openapi.json")).json()
    return {
        (method.upper(), path): operation
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    }


def samples(operation: dict[str, Any]) -> dict[str, str]:
    """Label -> source of each code sample."""
    return {sample["label"]: sample["source"] for sample in operation["x-codeSamples"]}


async def test_every_operation_has_a_curl_and_a_python_sample(api: ApiHarness) -> None:
    for (method, path), operation in (await operations(api)).items():
        shell, python_sample = operation["x-codeSamples"]
        assert (shell["lang"], shell["label"]) == ("Shell", "curl")
        assert shell["source"].startswith(f'curl -X {method} "$MYAPI_BASE_URL/'), path
        secured = bool(operation["security"])
        assert ('"Authorization: Bearer $MYAPI_KEY"' in shell["source"]) == secured, path
        assert python_sample["lang"] == "Python"
        compile(python_sample["source"], f"{method} {path}", "exec")
        assert "os.environ" in python_sample["source"]


@pytest.mark.parametrize(
    ("method", "path", "label"),
    [
        ("POST", "/v1/chat/completions", "OpenAI SDK"),
        ("POST", "/openai/v1/embeddings", "OpenAI SDK"),
        ("GET", "/v1/models", "OpenAI SDK"),
        ("POST", "/anthropic/v1/messages", "Anthropic SDK"),
        ("POST", "/google/{version}/models/{model_and_method}", "Google Gen AI SDK"),
        ("POST", "/stability/v1/generation/{engine_id}/text-to-image", "Python (httpx)"),
        ("GET", "/v1/balance", "Python (httpx)"),
    ],
)
async def test_the_python_sample_uses_the_routes_own_sdk(
    api: ApiHarness, method: str, path: str, label: str
) -> None:
    assert label in samples((await operations(api))[(method, path)])


async def test_httpx_samples_send_the_username_and_key_in_the_body(api: ApiHarness) -> None:
    operation = (await operations(api))[
        ("POST", "/stability/v1/generation/{engine_id}/text-to-image")
    ]
    source = samples(operation)["Python (httpx)"]
    assert '"username": os.environ["MYAPI_USERNAME"], "key": KEY' in source
    assert "/stability/v1/generation/stable-diffusion-xl-1024-v1-0/text-to-image" in source


async def run_sample(
    api: ApiHarness, base_url: str, tmp_path: Path, method: str, path: str, label: str
) -> Ran:
    key = await api.register(name="alice")
    source = samples((await operations(api))[(method, path)])[label]
    command = ["bash", "-c", source] if label == "curl" else python(source)
    ran = await run_script(command, script_env(base_url, "alice", key), tmp_path)
    assert ran.status == 0, ran.stderr
    return ran


@pytest.mark.parametrize(
    ("method", "path", "label", "printed"),
    [
        ("POST", "/v1/chat/completions", "curl", '"content": "Hello"'),
        ("POST", "/v1/chat/completions", "OpenAI SDK", "Hello"),
        ("POST", "/v1/embeddings", "OpenAI SDK", "4"),
        ("GET", "/openai/v1/models/{model}", "OpenAI SDK", "'available': True"),
        ("POST", "/anthropic/v1/messages", "Anthropic SDK", "Hello from the fake Anthropic"),
        ("POST", "/google/{version}/models/{model_and_method}", "Google Gen AI SDK", "fake"),
        ("POST", "/stability/v1/generation/{engine_id}/text-to-image", "Python (httpx)", "200"),
        ("POST", "/api/v1/images", "Python (httpx)", "201 application/json"),
        ("GET", "/v1/balance", "curl", '"username": "alice"'),
    ],
)
async def test_the_sample_runs_against_the_service(
    api: ApiHarness,
    production_url: str,
    tmp_path: Path,
    method: str,
    path: str,
    label: str,
    printed: str,
) -> None:
    ran = await run_sample(api, production_url, tmp_path, method, path, label)
    assert printed in ran.stdout
