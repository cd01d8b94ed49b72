"""Settings: the operator's environment contract and its defaults."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from api.settings import BotMode, LogFormat, Settings
from providers.catalog import parse_catalog
from providers.errors import CatalogError


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The machine's own variables must not decide these tests."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)


def make(**values: object) -> Settings:
    """Settings from the environment and `values` only, never from a developer's .env."""
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_defaults_need_nothing_and_keep_the_bot_off() -> None:
    settings = make()
    assert settings.effective_bot_mode is BotMode.OFF
    assert settings.database_url == "sqlite:///data/myapi.db"
    assert settings.base_url_for_users == "http://127.0.0.1:8080"


def test_a_token_turns_polling_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123:abc")
    assert make().effective_bot_mode is BotMode.POLLING


def test_admin_ids_are_read_from_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_IDS", "1, 22,333")
    assert make().admin_ids == frozenset({1, 22, 333})


def test_trial_credit_is_an_exact_decimal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIAL_CREDIT", "0.10")
    assert make().trial_credit == Decimal("0.10")


def test_webhook_mode_needs_a_url() -> None:
    with pytest.raises(ValidationError, match="WEBHOOK_URL"):
        make(bot_token="1:a", bot_mode="webhook")


def test_secrets_never_show_in_the_settings_repr() -> None:
    settings = make(bot_token="123:very-secret", openai_api_key="sk-operator-secret")
    assert "very-secret" not in repr(settings)
    assert "operator-secret" not in repr(settings)
    assert "operator-secret" not in repr(settings.provider_configs())


EXAMPLE = Path(__file__).resolve().parent.parent / ".env.example"


def test_the_example_file_is_valid_and_holds_the_defaults() -> None:
    assert Settings(_env_file=EXAMPLE) == make()


def test_the_example_file_documents_every_setting() -> None:
    documented = {line.split("=")[0] for line in EXAMPLE.read_text().splitlines() if "=" in line}
    assert {name.upper() for name in Settings.model_fields} <= documented


def test_more_keys_come_comma_separated_beside_the_single_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-one-0123456789")
    monkeypatch.setenv("OPENAI_API_KEYS", "sk-two-0123456789, sk-three-0123456789")
    keys = make().provider_configs()["openai"].keys
    assert [key.secret for key in keys] == [
        "sk-one-0123456789",
        "sk-two-0123456789",
        "sk-three-0123456789",
    ]
    assert {key.base_url for key in keys} == {"https://api.openai.com/v1"}


def test_the_single_key_alone_works_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GROQ_API_KEY", "gsk-only-0123456789")
    monkeypatch.setenv("GROQ_BASE_URL", "https://groq.example/openai/v1/")
    [key] = make().provider_configs()["groq"].keys
    assert (key.secret, key.base_url, key.weight, key.proxy) == (
        "gsk-only-0123456789",
        "https://groq.example/openai/v1",
        1,
        None,
    )


def test_a_catalog_keys_table_reads_the_variable_it_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MYAPI_TEST_EU_KEY", "sk-eu-0123456789abcdef")
    catalog = parse_catalog(
        ONE_MODEL
        + """
[keys.eu]
provider = "openai"
env = "MYAPI_TEST_EU_KEY"
base_url = "https://eu.example/v1"
weight = 2
"""
    )
    configs = make(openai_api_key="sk-main-0123456789").provider_configs(catalog.keys)
    assert [(k.name, k.base_url, k.weight) for k in configs["openai"].keys] == [
        ("openai#1", "https://api.openai.com/v1", 1),
        ("eu", "https://eu.example/v1", 2),
    ]
    assert "sk-eu-0123456789abcdef" not in repr(configs)


def test_a_keys_table_for_an_unknown_provider_stops_the_start() -> None:
    catalog = parse_catalog(ONE_MODEL + '[keys.x]\nprovider = "nobody"\nenv = "E"\n')
    with pytest.raises(CatalogError, match="'nobody' is not one of"):
        make().provider_configs(catalog.keys)


ONE_MODEL = """
[models.m]
provider = "openai"
input_per_1m = "1"
output_per_1m = "1"
max_output_tokens = 10
context_window = 10
"""


def test_metrics_are_off_and_logs_text_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    assert (make().metrics_token, make().log_format) == (None, LogFormat.TEXT)
    monkeypatch.setenv("METRICS_TOKEN", "")  # empty is unset: never a token anyone matches
    assert make().metrics_token is None
    monkeypatch.setenv("METRICS_TOKEN", "scrape-me-0123456789")
    monkeypatch.setenv("LOG_FORMAT", "JSON")
    settings = make()
    assert settings.log_format is LogFormat.JSON
    assert settings.metrics_token is not None
    assert "scrape-me" not in repr(settings)


def test_an_unknown_log_format_stops_the_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_FORMAT", "xml")
    with pytest.raises(ValidationError, match="log_format"):
        make()


def test_each_process_finds_its_own_money_journal() -> None:
    beside_the_file = make(database_url="sqlite:///data/shop.db")
    assert beside_the_file.money_journal_path == Path("data/shop.db.money-journal")
    on_postgresql = make(database_url="postgresql://db/myapi", api_port=8081)
    assert on_postgresql.money_journal_path == Path("data/money-journal-8081")
    chosen = make(database_url="postgresql://db/myapi", money_journal="/var/kept")
    assert chosen.money_journal_path == Path("/var/kept")
