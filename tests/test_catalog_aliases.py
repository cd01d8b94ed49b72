"""Other spellings of catalog models: aliases, other gateways' `vendor/` prefixes, and the
names the seeds use, resolved in the catalog and through the official SDKs."""

from __future__ import annotations

import anthropic
import openai
import pytest

from providers.catalog import load_catalog, parse_catalog
from providers.errors import CatalogError, UnknownModelError
from tests.conftest import ApiHarness
from tests.fakes.anthropic import FakeAnthropic
from tests.ledger import calls

TWO = """
alias_prefixes = { "openai/" = "openai" }

[models.m]
provider = "openai"
input_per_1m = "0.15"
output_per_1m = "0.60"
max_output_tokens = 100
context_window = 1000

[models.c]
provider = "anthropic"
input_per_1m = "1"
output_per_1m = "5"
max_output_tokens = 100
context_window = 1000

[aliases]
"m-2024-01-01" = "m"
"""


def test_an_alias_and_a_vendor_prefix_name_the_model() -> None:
    catalog = parse_catalog(TWO)
    assert catalog.get("m-2024-01-01").name == "m"
    assert catalog.get("openai/m").name == "m"
    assert catalog.get("openai/m-2024-01-01").name == "m"


def test_a_vendor_prefix_names_only_its_own_providers_models() -> None:
    catalog = parse_catalog(TWO)
    with pytest.raises(UnknownModelError):
        catalog.get("openai/c")  # c is Anthropic's
    with pytest.raises(UnknownModelError):
        catalog.get("mistral/m")  # no such prefix


@pytest.mark.parametrize(
    ("table", "fragment"),
    [
        ('[aliases]\n"x" = "nowhere"\n', "is not a model of the catalog"),
        ('[aliases]\n"c" = "m"\n', "a model of that name exists"),
    ],
)
def test_an_alias_must_name_a_model_and_hide_none(table: str, fragment: str) -> None:
    text = TWO.replace('[aliases]\n"m-2024-01-01" = "m"\n', table)
    with pytest.raises(CatalogError, match=fragment):
        parse_catalog(text)


def test_the_built_in_catalog_knows_the_seeds_and_other_gateways_names() -> None:
    catalog = load_catalog()
    assert catalog.get("claude-3-opus-20240229").name == "claude-3-opus-latest"
    assert catalog.get("openai/gpt-4o-mini").name == "gpt-4o-mini"
    assert catalog.get("google/gemini-2.5-flash").name == "gemini-2.5-flash"
    assert catalog.get("anthropic/claude-haiku-4-5").name == "claude-haiku-4-5"


async def test_openai_sdk_with_another_gateways_model_name(api: ApiHarness) -> None:
    key = await api.register()
    base_url = str(api.client.make_url("/openai/v1"))
    async with openai.AsyncOpenAI(api_key=key, base_url=base_url, max_retries=0) as client:
        await client.chat.completions.create(
            model="openai/gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
        )
    [received] = api.upstream.requests
    assert received.body["model"] == "gpt-4o-mini"
    [call] = await calls(api)
    assert call["model"] == "gpt-4o-mini"


@pytest.mark.fake_providers("anthropic")
async def test_seed_002s_claude_model_name_through_the_sdk(
    api: ApiHarness, fake_anthropic: FakeAnthropic
) -> None:
    key = await api.register()
    base_url = str(api.client.make_url("/anthropic"))
    async with anthropic.AsyncAnthropic(api_key=key, base_url=base_url, max_retries=0) as client:
        message = await client.messages.create(
            model="claude-3-opus-20240229",
            max_tokens=64,
            messages=[{"role": "user", "content": "hi"}],
        )
    assert message.content[0].type == "text"
    [received] = fake_anthropic.requests
    assert received.body["model"] == "claude-3-opus-latest"
