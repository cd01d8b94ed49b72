"""The official `openai` package's image calls work unchanged and are billed exactly:
generations of the GPT image models, edits (one image, several, a mask) and variations."""

from __future__ import annotations

import openai
import pytest

from providers.catalog import load_catalog
from providers.usage import TokenUsage
from tests.conftest import ApiHarness
from tests.image_files import image_bytes
from tests.sdk_clients import sdk
from tests.source_prices import source_units

CREDIT = 10**6
CATALOG = load_catalog()
PNG = image_bytes(256, 256)


async def test_a_gpt_image_generation_through_the_sdk_is_billed_its_usage(
    api: ApiHarness,
) -> None:
    api.upstream.media.output_text_tokens = 120
    key = await api.register()
    async with sdk(api, key) as client:
        result = await client.images.generate(
            model="gpt-image-2", prompt="a lighthouse at dusk", size="1024x1024", quality="low"
        )
    assert result.data is not None
    assert result.data[0].b64_json
    assert result.usage is not None
    assert (result.usage.input_tokens, result.usage.output_tokens) == (4, 272 + 120)
    usage = TokenUsage(4, 392, output_image_tokens=272)
    assert await api.balance() == CREDIT - source_units(CATALOG.get("gpt-image-2"), usage)


async def test_a_generation_without_a_model_is_the_sdks_bad_request_error(
    api: ApiHarness,
) -> None:
    """The SDK's `model` documentation asks for a model explicitly; none is chosen here."""
    key = await api.register()
    async with sdk(api, key) as client:
        with pytest.raises(openai.BadRequestError) as raised:
            await client.images.generate(prompt="a lighthouse")
        with pytest.raises(openai.BadRequestError):  # nor with a GPT image model's option
            await client.images.generate(prompt="a lighthouse", background="transparent")
    assert raised.value.param == "model"
    assert api.upstream.requests == []
    assert await api.balance() == CREDIT


async def test_an_edit_of_one_image_through_the_sdk_is_billed_its_usage(api: ApiHarness) -> None:
    key = await api.register()
    async with sdk(api, key) as client:
        result = await client.images.edit(
            model="gpt-image-1.5",
            image=("photo.png", PNG, "image/png"),
            prompt="add a red balloon",
            size="1536x1024",
            quality="medium",
        )
    assert result.data is not None
    [received] = api.upstream.requests
    assert received.body["image"]["data"] == PNG
    # 4 text tokens, 323 image input tokens, 1568 image output tokens (the fake's figures)
    usage = TokenUsage(4 + 323, 1568, input_image_tokens=323, output_image_tokens=1568)
    assert await api.balance() == CREDIT - source_units(CATALOG.get("gpt-image-1.5"), usage)


async def test_an_edit_of_several_images_with_a_mask_through_the_sdk(api: ApiHarness) -> None:
    key = await api.register()
    second = image_bytes(512, 512, "WEBP")
    async with sdk(api, key) as client:
        await client.images.edit(
            model="gpt-image-2",
            image=[("one.png", PNG, "image/png"), ("two.webp", second, "image/webp")],
            mask=("mask.png", PNG, "image/png"),
            prompt="put them side by side",
            quality="high",
        )
    [received] = api.upstream.requests
    assert [image["data"] for image in received.body["image[]"]] == [PNG, second]
    assert received.body["mask"]["data"] == PNG
    # three uploads at the fake's 323 image tokens each; size auto: the fake makes 4160
    usage = TokenUsage(5 + 969, 4160, input_image_tokens=969, output_image_tokens=4160)
    assert await api.balance() == CREDIT - source_units(CATALOG.get("gpt-image-2"), usage)


async def test_a_dall_e_2_edit_and_variation_through_the_sdk_are_billed_per_image(
    api: ApiHarness,
) -> None:
    key = await api.register()
    async with sdk(api, key) as client:
        edited = await client.images.edit(
            model="dall-e-2", image=("cat.png", PNG, "image/png"), prompt="a hat", size="256x256"
        )
        with pytest.warns(
            DeprecationWarning, match="deprecated"
        ):  # the SDK marks variations as retired
            varied = await client.images.create_variation(
                model="dall-e-2", image=("cat.png", PNG, "image/png"), n=2, size="512x512"
            )
    assert edited.data is not None
    assert varied.data is not None
    assert len(varied.data) == 2
    assert [request.path for request in api.upstream.requests] == [
        "/v1/images/edits",
        "/v1/images/variations",
    ]
    assert await api.balance() == CREDIT - 16_000 - 2 * 18_000


async def test_a_variation_of_a_gpt_image_model_is_the_sdks_bad_request_error(
    api: ApiHarness,
) -> None:
    key = await api.register()
    async with sdk(api, key) as client:
        with (
            pytest.raises(openai.BadRequestError) as raised,
            pytest.warns(DeprecationWarning, match="deprecated"),
        ):
            await client.images.create_variation(
                model="gpt-image-2", image=("cat.png", PNG, "image/png")
            )
    assert raised.value.param == "model"
    assert await api.balance() == CREDIT
