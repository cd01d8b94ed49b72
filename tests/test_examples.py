"""Every script in `examples/` runs against the service (the real app, served on loopback)
and the fake providers, and prints what the provider answered, both ways it calls.

The scripts are what users copy, so they must not rot: each one is run here as its own
process with only the environment the examples document (MYAPI_BASE_URL, MYAPI_USERNAME,
MYAPI_KEY), and each of its two calls must have been billed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ApiHarness
from tests.fakes.anthropic import FakeAnthropic
from tests.fakes.gemini import FakeGemini
from tests.scripts import EXAMPLES, python, run_script, script_env

pytestmark = pytest.mark.fake_providers("anthropic", "gemini")

#: Each script, and what both of its lines (httpx, then the SDK) must say.
FAKE_CHAT = "Hello from the fake upstream"
EXPECTED = {
    "chat.py": ("openai SDK:", FAKE_CHAT),
    "chat_stream.py": ("openai SDK:", FAKE_CHAT),
    "anthropic_messages.py": ("anthropic SDK:", "Hello from the fake Anthropic"),
    "gemini_generate_content.py": ("google-genai SDK:", "{gemini}"),
    "images.py": ("openai SDK:", "https://images.example/0.png"),
    "audio_transcription.py": ("openai SDK:", "Hello from the fake transcriber"),
    "embeddings.py": ("openai SDK:", "dimensions [4, 4]"),
}


def test_every_example_is_run_here() -> None:
    assert {path.name for path in EXAMPLES.glob("*.py")} == set(EXPECTED)


@pytest.mark.parametrize("script", sorted(EXPECTED))
async def test_the_example_runs_and_both_of_its_calls_are_billed(
    api: ApiHarness,
    production_url: str,
    fake_gemini: FakeGemini,
    fake_anthropic: FakeAnthropic,
    tmp_path: Path,
    script: str,
) -> None:
    key = await api.register(name="alice")
    before = await api.balance()
    ran = await run_script(
        python(EXAMPLES / script), script_env(production_url, "alice", key), tmp_path
    )
    assert ran.status == 0, ran.stderr
    sdk_prefix, answer = EXPECTED[script]
    answer = answer.format(gemini=fake_gemini.reply)
    assert answer in ran.line("httpx:")
    assert answer in ran.line(sdk_prefix)
    calls = await api.settled_calls(2)
    assert [call["status"] for call in calls] == [200, 200]
    assert all(call["cost"] > 0 for call in calls)
    assert await api.balance() == before - sum(call["cost"] for call in calls)
