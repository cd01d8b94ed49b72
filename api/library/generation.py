"""Making one library image: the model for its resolution, the provider call, the filter.

The model comes from the catalog's `[image_library]` table and is priced like any image
call (`providers.image_plans.plan_image`: per image, or per token for a GPT image model), so
the hold and the bill follow the one rule every image route follows.
The filter runs in a worker thread: decoding and re-encoding a 1024x1024 picture takes
milliseconds of CPU the event loop must not spend.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from dataclasses import dataclass

from api.errors import ServiceUnavailableError
from api.library.imaging import ImageFilter, ImagingError, ProcessedImage, apply_filter
from api.library.params import CreateImage
from api.library.vocabulary import build_prompt
from providers.errors import UpstreamError
from providers.http import Upstream
from providers.image_plans import ImagePlan, image_payload, plan_image
from providers.openai_images import ImageCharge
from providers.openai_media import MediaRequestError
from providers.openai_media_client import OpenAIMediaClient
from providers.registry import Registry, Route
from providers.usage import JsonObject


@dataclass(frozen=True, slots=True)
class LibraryPlan:
    """One priced generation: where it goes, what it holds and costs, what is sent."""

    route: Route
    image: ImagePlan
    prompt: str
    payload: JsonObject

    @property
    def hold(self) -> int:
        """One image (and, for a GPT image model, the most its tokens can cost)."""
        return self.image.hold


@dataclass(frozen=True, slots=True)
class Generated:
    """The filtered image and what its answer costs at the plan's prices."""

    image: ProcessedImage
    charge: ImageCharge


def plan_generation(registry: Registry, create: CreateImage) -> LibraryPlan:
    """Resolve and price the request; an operator's catalog without a usable model for the
    resolution is a 503 that charges nothing (the client's request is fine)."""
    name = registry.catalog.image_library.get(create.resolution.value)
    if name is None:
        raise ServiceUnavailableError(
            f"this service makes no {create.resolution.value} images: its catalog names no "
            "model for that resolution; try another resolution",
            param="resolution",
        )
    route = registry.route(name)
    prompt = build_prompt(create.description, create.style, create.medium)
    body: JsonObject = {
        "model": name,
        "prompt": prompt,
        "n": 1,
        "size": create.resolution.value,
        "response_format": "b64_json",
    }
    try:
        plan = plan_image(route.model, body)
    except MediaRequestError as error:
        raise ServiceUnavailableError(
            f"the image library's model {name} cannot make this image: {error.message}",
            param="resolution",
        ) from error
    return LibraryPlan(route, plan, prompt, image_payload(body, route.model, plan))


def returned_image(data: object) -> bytes:
    """The one image of the provider's answer, decoded; a 502 when it carries none."""
    images = data.get("data") if isinstance(data, dict) else None
    first = images[0] if isinstance(images, list) and images else None
    encoded = first.get("b64_json") if isinstance(first, dict) else None
    if not isinstance(encoded, str):
        raise UpstreamError(502, "the provider's answer carried no base64 image")
    try:
        return base64.b64decode(encoded, validate=True)
    except binascii.Error as error:
        raise UpstreamError(502, "the provider's image is not valid base64") from error


async def generate(
    upstream: Upstream, plan: LibraryPlan, image_filter: ImageFilter | None
) -> Generated:
    """Call the provider and apply the filter; an unreadable image is the provider's 502."""
    client = OpenAIMediaClient(upstream)
    reply = await client.post_json(plan.route, "/images/generations", plan.payload)
    data = returned_image(reply.data)
    charge = plan.image.charge(reply.data)
    try:
        image = await asyncio.to_thread(apply_filter, data, image_filter)
    except ImagingError as error:
        raise UpstreamError(502, f"the provider's image cannot be used: {error}") from error
    return Generated(image, charge)
