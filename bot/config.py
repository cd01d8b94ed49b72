"""What the bot needs to know, as plain values (the composition root fills it from settings)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BotConfig:
    """Invariant: `trial_credit` is in minor units (1 unit = 10^-6 of `currency`)."""

    token: str
    admin_ids: frozenset[int]
    public_base_url: str
    currency: str
    trial_credit: int
    telegram_api_base: str = ""
    webhook_url: str = ""
    webhook_secret: str | None = None
