"""Settings: the operator's environment contract and its defaults."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from api.settings import BotMode, LogFormat, Settings


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
