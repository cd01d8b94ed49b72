"""One image request, planned: per image (dall-e) or per token (gpt-image), as the catalog
prices the model; and the JSON payload a generation sends.

A model with token prices (the catalog gave it no `image_prices`) is billed from its
answer's usage (`providers.image_tokens`); any other from its price table
(`providers.openai_images`). Both kinds of plan give the hold, the fields sent explicitly,
the fields dropped, and the charge of an answer, so a route never asks which kind it has.
"""

from __future__ import annotations

from collections.abc import Sequence

from providers.catalog import Model
from providers.image_tokens import TokenImagePlan, plan_tokens
from providers.openai_images import Operation, PerImagePlan, check_operation, plan_per_image
from providers.openai_media import MediaRequestError, with_upstream_model
from providers.usage import JsonObject

ImagePlan = PerImagePlan | TokenImagePlan
#: What a token-billed (GPT image) model takes: variations are dall-e-2's alone.
_TOKEN_OPERATIONS = frozenset({Operation.GENERATION, Operation.EDIT})


def bills_tokens(model: Model) -> bool:
    """A GPT image model: the catalog resolved token prices for it instead of a table."""
    return model.token_prices is not None


def require_model(name: str | None) -> str:
    """The image model the client named; OpenAI's SDK asks for one explicitly, and the
    service picks none (a default could make an image the client did not choose to pay)."""
    if not name:
        raise MediaRequestError(
            "`model` is required: name an image model, e.g. gpt-image-2 (GET /v1/models "
            "lists them, each with its kind and prices)",
            "model",
        )
    return name


def plan_image(
    model: Model,
    body: JsonObject,
    operation: Operation = Operation.GENERATION,
    uploads: Sequence[tuple[int, int]] = (),
) -> ImagePlan:
    """Check the request against the model and price it; `uploads` are the pixel sizes of
    an edit's or variation's images. Every problem is a `MediaRequestError` (a 400)."""
    if not bills_tokens(model):
        return plan_per_image(model, body, operation)
    check_operation(model, operation, _TOKEN_OPERATIONS)
    return plan_tokens(model, body, uploads)


def image_payload(body: JsonObject, model: Model, plan: ImagePlan) -> JsonObject:
    """The client's body with the provider's model name and the plan's explicit fields."""
    kept = {name: value for name, value in body.items() if name not in plan.dropped}
    return {**with_upstream_model(kept, model), **plan.fields}
