"""What the bot needs to know, as plain values (the composition root fills it from settings)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlsplit

from bot.price_list import PriceList

#: Telegram's rule for setWebhook's secret_token: 1-256 of A-Z, a-z, 0-9, `_` and `-`.
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
#: What the derived secret is an HMAC of (keyed by the token); a new label, a new secret.
_DERIVATION_LABEL = b"myapi telegram webhook secret v1"


def is_valid_secret_token(secret: str) -> bool:
    """Whether Telegram accepts `secret` as a webhook secret_token."""
    return _SECRET_TOKEN.fullmatch(secret) is not None


def derive_webhook_secret(token: str) -> str:
    """The webhook secret when WEBHOOK_SECRET is unset: HMAC-SHA256 of a fixed label keyed by
    the bot token, base64url without padding (43 characters, all in Telegram's alphabet).

    Every replica with the same token derives the same value, so any of them can check a
    POST that Telegram sends; without the token nobody can compute it.
    """
    digest = hmac.new(token.encode(), _DERIVATION_LABEL, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


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
    #: The models callable now, with their prices (/models), and the examples' model.
    price_list: PriceList = field(default_factory=PriceList, repr=False)

    @property
    def webhook_secret_token(self) -> str:
        """The secret every webhook POST must carry: WEBHOOK_SECRET, or one derived from the
        token. Never empty: aiogram's handler accepts any request when its secret is empty."""
        return self.webhook_secret or derive_webhook_secret(self.token)

    @property
    def webhook_route(self) -> str:
        """Where the service listens for Telegram's POSTs in webhook mode."""
        return self.webhook_path or urlsplit(self.webhook_url).path or "/"
