"""The service's settings: the only module that reads the environment (and `.env`).

Every other module receives plain values from here, so tests build a `Settings(...)` with
keyword arguments and never touch `os.environ`. Secrets are `SecretStr`: their repr is
masked, so formatting a settings object into a log line cannot leak them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from dotenv import dotenv_values
from pydantic import Field, FilePath, SecretStr, create_model, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from providers.key_faults import BenchRules
from providers.registry import (
    BUILTIN_PROVIDERS,
    DEFAULT_BASE_URLS,
    PROVIDER_NAMES,
    ProviderConfig,
)
from providers.upstream_keys import KeySpec, check_spec_providers, provider_keys
from storage.database import sqlite_path
from storage.outages import DatabaseTimeouts
from storage.sqlite_inline import SqliteSynchronous


class BotMode(StrEnum):
    """How the bot receives updates; `off` runs the API alone."""

    POLLING = "polling"
    WEBHOOK = "webhook"
    OFF = "off"


class LogLevel(StrEnum):
    """LOG_LEVEL: DEBUG shows more of the flow, never a secret (see DESIGN.md)."""

    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"


class LogFormat(StrEnum):
    """LOG_FORMAT: lines for people (`text`), or one JSON object per line (`json`)."""

    TEXT = "text"
    JSON = "json"


#: Telegram's alphabet for a webhook secret_token (bot/config.py derives one in it).
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


def _provider_fields() -> dict[str, Any]:
    """`<name>_api_key`, `<name>_api_keys` (comma-separated, more keys) and `<name>_base_url`
    for every provider in the registry's one list.

    Generated rather than written out, so a provider is declared once (its name and default
    base URL in providers/registry.py) and its environment variables follow from that.
    """
    fields: dict[str, Any] = {}
    for name, base_url in DEFAULT_BASE_URLS.items():
        fields[f"{name}_api_key"] = (SecretStr | None, None)
        fields[f"{name}_api_keys"] = (SecretStr | None, None)
        fields[f"{name}_base_url"] = (str, base_url)
    return fields


if TYPE_CHECKING:  # the generated fields are reached through the typed accessors below
    _ProviderSettings = BaseSettings
else:
    _ProviderSettings = create_model(
        "_ProviderSettings", __base__=BaseSettings, **_provider_fields()
    )


class Settings(_ProviderSettings):
    """Environment variables (names are the operator contract; see .env.example)."""

    # hide_input_in_errors: a rejected value may be a secret (WEBHOOK_SECRET, a key), and a
    # validation error is printed at start-up.
    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", env_ignore_empty=True, hide_input_in_errors=True
    )

    bot_token: SecretStr | None = None
    bot_mode: BotMode | None = None
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    telegram_api_base: str = ""
    webhook_url: str = ""
    webhook_secret: SecretStr | None = None
    polling_election_seconds: float = Field(default=10.0, gt=0)

    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8080, ge=0, le=65535)
    public_base_url: str = ""
    tls_cert_file: FilePath | None = None
    tls_key_file: FilePath | None = None
    shutdown_grace_seconds: float = Field(default=30.0, ge=0)
    log_level: LogLevel = LogLevel.INFO
    log_format: LogFormat = LogFormat.TEXT
    #: Serves GET /metrics to `Authorization: Bearer <token>`; unset: no metrics at all.
    metrics_token: SecretStr | None = None

    database_url: str = "sqlite:///data/myapi.db"
    sqlite_synchronous: SqliteSynchronous = SqliteSynchronous.NORMAL
    database_connect_timeout: float = Field(default=5.0, gt=0)
    database_command_timeout: float = Field(default=10.0, gt=0)
    #: Where charges and payments wait on disk while the database is away
    #: (`storage.money_journal`); unset: beside an SQLite file, one per port on PostgreSQL.
    money_journal: Path | None = None

    currency: str = "USD"
    trial_credit: Decimal = Decimal("1.00")
    lock_strikes: int = Field(default=5, ge=1)
    lock_minutes: int = Field(default=30, ge=0)
    rate_limit_per_minute: int = Field(default=60, ge=0)
    failed_auth_per_minute: int = Field(default=20, ge=0)
    trusted_proxies: Annotated[tuple[IPv4Network | IPv6Network, ...], NoDecode] = ()
    stale_hold_minutes: int = Field(default=60, ge=1)
    stale_hold_sweep_minutes: float = Field(default=5.0, gt=0)
    idempotency_ttl_hours: int = Field(default=24, ge=1)
    background_poll_seconds: float = Field(default=60.0, gt=0)
    background_max_hours: float = Field(default=24.0, gt=0)
    image_quota_images: int = Field(default=200, ge=1)
    image_quota_bytes: int = Field(default=200 * 1024 * 1024, ge=1024)
    stars_rate: Decimal = Field(default=Decimal("0.013"), gt=0)
    stars_amounts: Annotated[tuple[int, ...], NoDecode] = (50, 100, 250, 500)
    low_balance_threshold: Decimal = Field(default=Decimal("0.10"), ge=0)
    retention_jobs: bool = True
    trial_expiry_job: bool = True
    inactivity_job: bool = True
    trial_ttl_days: int = Field(default=7, ge=1)
    inactive_days: int = Field(default=14, ge=2)
    retention_interval_hours: float = Field(default=24.0, gt=0)

    max_body_bytes: int = Field(default=4 * 1024 * 1024, ge=1024)
    max_audio_bytes: int = Field(default=25 * 1024 * 1024, ge=1024)
    max_image_bytes: int = Field(default=50 * 1024 * 1024, ge=1024)
    body_read_timeout_seconds: float = Field(default=30.0, gt=0)
    upstream_connect_timeout: float = Field(default=10.0, gt=0)
    upstream_read_timeout: float = Field(default=120.0, gt=0)
    stream_drain_seconds: float = Field(default=120.0, ge=0)
    upstream_max_connections: int = Field(default=256, ge=1)
    key_bench_seconds: int = Field(default=60, ge=1)
    key_refused_bench_seconds: int = Field(default=1800, ge=1)
    key_health_sync_seconds: float = Field(default=10.0, gt=0)
    catalog_file: Path | None = None
    price_markup: Decimal = Field(default=Decimal("1"), gt=0)
    echo_model: bool = True

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_admin_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(int(part) for part in value.replace(" ", "").split(",") if part)
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _check_webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        """Telegram refuses other secrets at setWebhook; say so before anything starts."""
        if value is not None and not _WEBHOOK_SECRET.fullmatch(value.get_secret_value()):
            raise ValueError("WEBHOOK_SECRET is 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("stars_amounts", mode="before")
    @classmethod
    def _split_stars_amounts(cls, value: object) -> object:
        """`50,100,250` -> (50, 100, 250): each a whole, positive number of Stars."""
        if isinstance(value, str):
            value = tuple(int(part) for part in value.replace(" ", "").split(",") if part)
        if isinstance(value, tuple | list) and not all(
            isinstance(n, int) and n > 0 for n in value
        ):
            raise ValueError("STARS_AMOUNTS are positive whole numbers of Stars")
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            parts = (part.strip() for part in value.split(","))
            return tuple(ip_network(part, strict=False) for part in parts if part)
        return value

    @field_validator("trial_credit", "price_markup", "stars_rate", mode="before")
    @classmethod
    def _decimal_from_string(cls, value: object) -> object:
        if isinstance(value, float):
            raise ValueError("amounts are decimal strings such as '1.00', not floats")
        try:
            return Decimal(str(value))
        except InvalidOperation as error:
            raise ValueError(f"not a decimal number: {value!r}") from error

    @field_validator("low_balance_threshold", mode="before")
    @classmethod
    def _threshold_from_string(cls, value: object) -> object:
        """LOW_BALANCE_THRESHOLD is money: a decimal string, never a float (0 = no warning)."""
        if isinstance(value, float):
            raise ValueError("LOW_BALANCE_THRESHOLD is a decimal string such as '0.10'")
        return value

    @model_validator(mode="after")
    def _check_bot_mode(self) -> Settings:
        if self.effective_bot_mode is BotMode.WEBHOOK and not self.webhook_url:
            raise ValueError("BOT_MODE=webhook needs WEBHOOK_URL")
        if self.bot_mode in (BotMode.POLLING, BotMode.WEBHOOK) and self.bot_token is None:
            raise ValueError(f"BOT_MODE={self.bot_mode} needs BOT_TOKEN")
        return self

    @model_validator(mode="after")
    def _check_tls(self) -> Settings:
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            raise ValueError("TLS needs both TLS_CERT_FILE and TLS_KEY_FILE (or neither)")
        return self

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_log_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower_log_format(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @property
    def effective_bot_mode(self) -> BotMode:
        """Polling when a token is set and no mode is chosen; off without a token."""
        if self.bot_mode is not None:
            return self.bot_mode
        return BotMode.POLLING if self.bot_token is not None else BotMode.OFF

    @property
    def base_url_for_users(self) -> str:
        """The API address the bot tells users to call (PUBLIC_BASE_URL, else the bind)."""
        if self.public_base_url:
            return self.public_base_url.rstrip("/")
        scheme = "https" if self.tls_cert_file is not None else "http"
        return f"{scheme}://{self.api_host}:{self.api_port}"

    @property
    def database_timeouts(self) -> DatabaseTimeouts:
        """DATABASE_CONNECT_TIMEOUT and DATABASE_COMMAND_TIMEOUT, as storage takes them."""
        return DatabaseTimeouts(self.database_connect_timeout, self.database_command_timeout)

    @property
    def money_journal_path(self) -> Path:
        """MONEY_JOURNAL, else one per database file, or per port on PostgreSQL (two
        replicas on one machine listen on two ports; a restarted one finds its own)."""
        if self.money_journal is not None:
            return self.money_journal
        if self.database_url.startswith("sqlite:"):
            database = sqlite_path(self.database_url)
            return database.with_name(f"{database.name}.money-journal")
        return Path("data") / f"money-journal-{self.api_port}"

    def provider_api_key(self, name: str) -> SecretStr | None:
        """`<NAME>_API_KEY` of one provider of PROVIDER_NAMES (None when unset)."""
        key = getattr(self, f"{name}_api_key")
        assert key is None or isinstance(key, SecretStr)
        return key

    def provider_api_keys(self, name: str) -> SecretStr | None:
        """`<NAME>_API_KEYS` (comma-separated) of one provider (None when unset)."""
        keys = getattr(self, f"{name}_api_keys")
        assert keys is None or isinstance(keys, SecretStr)
        return keys

    def provider_base_url(self, name: str) -> str:
        """`<NAME>_BASE_URL` of one provider of PROVIDER_NAMES (its default when unset)."""
        base_url = getattr(self, f"{name}_base_url")
        assert isinstance(base_url, str)
        return base_url

    def environment_value(self, variable: str) -> str | None:
        """Any variable the catalog's `[keys.*]` tables name (a key or a proxy), read like
        every setting: the environment first, then the `.env` file."""
        if (value := os.environ.get(variable)) is not None:
            return value
        env_file = self.model_config.get("env_file")
        if isinstance(env_file, str) and Path(env_file).is_file():
            return dotenv_values(env_file).get(variable)
        return None

    def _own_keys(self, name: str) -> dict[str, str | None]:
        """The provider's own key variables and their values, by variable name."""
        single, listed = self.provider_api_key(name), self.provider_api_keys(name)
        return {
            f"{name.upper()}_API_KEY": single.get_secret_value() if single else None,
            f"{name.upper()}_API_KEYS": listed.get_secret_value() if listed else None,
        }

    def provider_configs(self, specs: Sequence[KeySpec] = ()) -> dict[str, ProviderConfig]:
        """Each provider's upstream address and keys, configured or not; `specs` are the
        catalog's `[keys.*]` tables (CatalogError when one names nothing usable)."""
        check_spec_providers(specs, PROVIDER_NAMES)
        configs: dict[str, ProviderConfig] = {}
        for name in PROVIDER_NAMES:
            base_url = self.provider_base_url(name).rstrip("/")
            keys = provider_keys(
                name, base_url, self._own_keys(name), specs, self.environment_value
            )
            configs[name] = ProviderConfig(name, base_url, keys)
        if self.echo_model:
            for name in BUILTIN_PROVIDERS:
                configs[name] = ProviderConfig(name, "builtin:", builtin=True)
        return configs

    @property
    def bench_rules(self) -> BenchRules:
        """How long a provider key rests after the provider refused it."""
        return BenchRules(self.key_bench_seconds, self.key_refused_bench_seconds)
