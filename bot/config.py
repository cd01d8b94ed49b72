"""What the bot needs to know, as plain values (the composition root fills it from settings)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlsplit


@dataclass(frozen=True, slots=True)
class BotConfig:
    """Invariant: `trial_credit` is in minor units (1 unit = 10^-6 of `currency`).

    The token and the webhook secret are left out of the repr, so logging a config is safe.
    """

    token: str = field(repr=False)
    admin_ids: frozenset[int]
    public_base_url: str
    currency: str
    trial_credit: int
    telegram_api_base: str = ""
    webhook_url: str = ""
    webhook_secret: str | None = field(default=None, repr=False)
    #: The local path of the webhook route; empty means the path of `webhook_url` (set it
    #: when a reverse proxy rewrites the public path).
    webhook_path: str = ""
    #: Currency per Telegram Star credited by /topup (STARS_RATE), and the Star amounts
    #: /topup offers as buttons (STARS_AMOUNTS).
    stars_rate: Decimal = Decimal("0.013")
    stars_amounts: tuple[int, ...] = (50, 100, 250, 500)

    @property
    def webhook_route(self) -> str:
        """Where the service listens for Telegram's POSTs in webhook mode."""
        return self.webhook_path or urlsplit(self.webhook_url).path or "/"
