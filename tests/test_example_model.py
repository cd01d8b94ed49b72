"""Which model the users' examples call: one this service can call now, never another."""

from __future__ import annotations

import pytest

from providers.catalog import load_catalog, parse_catalog
from providers.errors import CatalogError
from providers.registry import PROVIDER_NAMES, ProviderConfig, Registry


def providers(*configured: str, echo: bool = True) -> dict[str, ProviderConfig]:
    """Every provider, with a key only for `configured`; the built-in echo when `echo`."""
    found = {
        name: ProviderConfig.with_key(
            name, "http://127.0.0.1:9", "key" if name in configured else None
        )
        for name in PROVIDER_NAMES
    }
    if echo:
        found["echo"] = ProviderConfig("echo", "builtin:", builtin=True)
    return found


@pytest.mark.parametrize(
    ("configured", "example"),
    [
        (PROVIDER_NAMES, "gpt-4o-mini"),
        (("gemini", "anthropic"), "gemini-2.5-flash"),
        (("anthropic",), "claude-3-5-haiku-latest"),
        (("stability",), "echo"),
        ((), "echo"),
    ],
)
def test_the_built_in_catalogs_first_callable_preference_is_the_example(
    configured: tuple[str, ...], example: str
) -> None:
    registry = Registry(load_catalog(), providers(*configured))
    assert registry.example_model() == example
    assert not registry.unavailable_reason(registry.catalog.get(example))


def test_echo_is_the_fallback_even_when_switched_off() -> None:
    assert Registry(load_catalog(), providers(echo=False)).example_model() == "echo"


CHAT = """
[models."qwen:dear"]
provider = "qwen"
input_per_1m = "9"
output_per_1m = "9"
max_output_tokens = 10
context_window = 100

[models."qwen:unpriced"]
provider = "qwen"
max_output_tokens = 10
context_window = 100

[models."qwen:cheap"]
provider = "qwen"
input_per_1m = "0.1"
output_per_1m = "0.1"
max_output_tokens = 10
context_window = 100
"""


def test_without_preferences_the_first_callable_chat_model_is_the_example() -> None:
    registry = Registry(parse_catalog(CHAT), providers("qwen"))
    assert registry.example_model() == "qwen:dear"


def test_a_preference_that_cannot_be_called_is_skipped() -> None:
    catalog = parse_catalog('example_models = ["qwen:unpriced", "qwen:cheap"]\n' + CHAT)
    assert catalog.example_models == ("qwen:unpriced", "qwen:cheap")
    assert Registry(catalog, providers("qwen")).example_model() == "qwen:cheap"


@pytest.mark.parametrize(
    "line",
    [
        'example_models = "qwen:cheap"',
        'example_models = ["qwen:nowhere"]',
        "example_models = [1]",
        'example_models = ["whisper"]',
    ],
)
def test_example_models_must_name_chat_models_of_the_catalog(line: str) -> None:
    whisper = '\n[models.whisper]\nprovider = "openai"\nkind = "transcription"\nper_minute = "1"\n'
    with pytest.raises(CatalogError, match="example_models"):
        parse_catalog(f"{line}\n{CHAT}{whisper}")
