"""Pure translation for Stability's v1 text-to-image: addresses, sizes, holds, billing.

Nothing here does I/O (that is `providers.stability_client`). The body the client sends
reaches Stability untouched but for the client's credentials; the answer is Stability's own
JSON. An image is billed only when Stability says it succeeded: an artifact it filtered
(`CONTENT_FILTERED`) or failed (`ERROR`) is not the user's to pay for.
"""

from __future__ import annotations

from providers.catalog import Model
from providers.errors import UpstreamError

#: How many images one call may ask for (Stability's own limit).
MAX_SAMPLES = 10
#: Stability's default width and height when the request sets none.
DEFAULT_SIDE = 512
#: The one finish reason that delivers an image.
_SUCCESS = "SUCCESS"


def text_to_image_url(base_url: str, engine: str) -> str:
    """Stability's own address; STABILITY_BASE_URL is the host, as the seed's API_HOST is."""
    return f"{base_url.rstrip('/')}/v1/generation/{engine}/text-to-image"


def upstream_headers(api_key: str) -> dict[str, str]:
    """The operator's key; JSON asked for always, since only JSON carries every artifact."""
    return {
        "Authorization": f"Bearer {api_key}",
        "Accept": "application/json",
        "Content-Type": "application/json",
    }


def image_size(width: int | None, height: int | None) -> str:
    """The size a price is looked up by, as `<width>x<height>`."""
    return f"{width or DEFAULT_SIDE}x{height or DEFAULT_SIDE}"


def price_per_image(model: Model, width: int | None, height: int | None) -> int | None:
    """What one image of that size costs, or None when the catalog has no price for it."""
    return model.image_price(image_size(width, height))


def delivered_images(data: object) -> int:
    """How many artifacts Stability delivered (finishReason SUCCESS); only those are billed."""
    artifacts = data.get("artifacts") if isinstance(data, dict) else None
    if not isinstance(artifacts, list):
        raise UpstreamError(502, "the provider's answer carried no artifacts")
    return sum(
        1
        for artifact in artifacts
        if isinstance(artifact, dict) and artifact.get("finishReason") == _SUCCESS
    )
