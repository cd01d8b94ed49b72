"""The token figures an image call's hold is made of: OpenAI's published ones, and `auto`."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from providers.image_output import (
    GPT_IMAGE_1_INPUT_TOKENS,
    LARGEST_SQUARE,
    MAX_PIXELS,
    ImageTokens,
    UnboundedImageError,
    calculator_tokens,
    has_table,
)
from providers.openai_media import MediaRequestError

GPT_IMAGE_1 = ImageTokens("gpt-image-1", 0)
GPT_IMAGE_2 = ImageTokens("gpt-image-2-2026-04-21", 0)
FLARE = ImageTokens("gpt-image-2.5-flare", 0)


@pytest.mark.parametrize(
    ("size", "quality", "tokens"),
    [
        ("1024x1024", "low", 272),
        ("1024x1024", "medium", 1056),
        ("1024x1024", "high", 4160),
        ("1024x1536", "low", 408),
        ("1024x1536", "medium", 1584),
        ("1024x1536", "high", 6240),
        ("1536x1024", "low", 400),
        ("1536x1024", "medium", 1568),
        ("1536x1024", "high", 6208),
    ],
)
def test_the_gpt_image_1_family_holds_openais_published_table(
    size: str, quality: str, tokens: int
) -> None:
    for name in ("gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5", "chatgpt-image-latest"):
        assert ImageTokens(name, 0).output(size, quality) == tokens


def test_auto_holds_the_largest_the_gpt_image_1_family_makes() -> None:
    assert GPT_IMAGE_1.output("auto", "auto") == 6240
    assert GPT_IMAGE_1.output("auto", "low") == 408
    assert GPT_IMAGE_1.output("1536x1024", "auto") == 6208


def test_the_calculator_reproduces_the_figures_openais_guide_shows() -> None:
    assert calculator_tokens("high", 1024, 1024) == 7024
    assert calculator_tokens("high", 1536, 1024) == 5488
    assert GPT_IMAGE_2.output("1024x1024", "high") == 7024


@given(st.integers(1, 240), st.integers(1, 240), st.sampled_from(["low", "medium", "high"]))
def test_auto_size_bounds_every_size_the_gpt_image_2_family_takes(
    width: int, height: int, quality: str
) -> None:
    width, height = width * 16, height * 16  # every edge up to 3840 in steps of 16
    if width * height <= MAX_PIXELS:
        assert calculator_tokens(quality, width, height) <= GPT_IMAGE_2.output("auto", quality)


def test_the_largest_gpt_image_2_picture_is_a_square_of_the_most_pixels() -> None:
    assert LARGEST_SQUARE**2 == MAX_PIXELS
    assert GPT_IMAGE_2.output("auto", "auto") == calculator_tokens("high", 2880, 2880)


@pytest.mark.parametrize("size", ["1000x1000", "3840x3840", "4000x1000", "3072x1024x", "big"])
def test_a_size_gpt_image_2_cannot_make_is_a_400(size: str) -> None:
    with pytest.raises(MediaRequestError) as raised:
        GPT_IMAGE_2.output(size, "low")
    assert raised.value.param == "size"


@pytest.mark.parametrize("quality", ["xhigh", "max", "auto"])
def test_a_quality_without_a_published_figure_is_not_priced(quality: str) -> None:
    with pytest.raises(UnboundedImageError) as raised:
        FLARE.output("1024x1024", quality)
    assert (raised.value.param, raised.value.code) == ("quality", "option_not_priced")
    assert "max_output_tokens" in raised.value.message


def test_the_catalogs_ceiling_holds_what_has_no_published_figure() -> None:
    flare = ImageTokens("gpt-image-2.5-flare", 50_000)
    assert flare.output("1024x1024", "max") == 50_000
    assert flare.output("1024x1024", "high") == 7024


def test_a_model_without_figures_is_held_at_its_ceiling_or_not_at_all() -> None:
    assert not has_table("gpt-image-2.6-flare")
    assert ImageTokens("gpt-image-2.6-flare", 9000).output("any", "thing") == 9000
    with pytest.raises(UnboundedImageError):
        ImageTokens("gpt-image-2.6-flare", 0).output("1024x1024", "low")


def test_an_input_image_is_held_by_its_pixels_up_to_the_models_largest() -> None:
    assert GPT_IMAGE_1.input_image(4000, 3000) == GPT_IMAGE_1_INPUT_TOKENS
    small, large = GPT_IMAGE_2.input_image(512, 512), GPT_IMAGE_2.input_image(8000, 8000)
    assert small < GPT_IMAGE_2.input_image(1024, 1024) < large
    assert large == GPT_IMAGE_2.input_image(2880, 2880)
    assert GPT_IMAGE_2.input_image(1024, 1024) >= calculator_tokens("high", 1024, 1024)
