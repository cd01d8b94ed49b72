"""Pure rules of the images routes: which plan a model gets, what it checks, what it sends."""

from __future__ import annotations

import pytest

from providers.catalog import load_catalog
from providers.errors import UpstreamError
from providers.image_plans import image_payload, plan_image, require_model
from providers.image_tokens import TokenImagePlan
from providers.openai_images import Operation, PerImagePlan, images_returned
from providers.openai_media import MediaRequestError

CATALOG = load_catalog()


def test_an_image_is_priced_by_its_size_and_quality() -> None:
    plan = plan_image(CATALOG.get("dall-e-3"), {"size": "1792x1024", "quality": "hd"})
    assert isinstance(plan, PerImagePlan)
    assert (plan.unit, plan.hold) == (120_000, 120_000)


def test_n_images_are_held_and_only_returned_ones_billed_up_to_n() -> None:
    plan = plan_image(CATALOG.get("dall-e-2"), {"size": "256x256", "n": 3})
    assert isinstance(plan, PerImagePlan)
    assert (plan.hold, plan.cost(2), plan.cost(5)) == (48_000, 32_000, 48_000)


def test_a_per_image_models_omitted_size_and_quality_are_sent_explicitly() -> None:
    model = CATALOG.get("dall-e-2")
    body = {"model": "dall-e-2", "prompt": "x"}
    assert image_payload(body, model, plan_image(model, body)) == {
        "model": "dall-e-2",
        "prompt": "x",
        "size": "1024x1024",
        "quality": "standard",
    }


def test_an_edit_or_variation_sends_the_priced_size_and_leaves_quality_alone() -> None:
    model = CATALOG.get("dall-e-2")
    for operation in (Operation.EDIT, Operation.VARIATION):
        plan = plan_image(model, {"size": "512x512"}, operation)
        assert plan.fields == {"size": "512x512"}
        assert plan.hold == 18_000


def test_a_gpt_image_model_gets_a_token_plan_and_sends_the_body_as_it_came() -> None:
    model = CATALOG.get("gpt-image-2")
    body = {"model": "gpt-image-2", "prompt": "x", "response_format": "b64_json"}
    plan = plan_image(model, body)
    assert isinstance(plan, TokenImagePlan)
    # base64 is all these models answer: the field is dropped, nothing is added
    assert image_payload(body, model, plan) == {"model": "gpt-image-2", "prompt": "x"}


@pytest.mark.parametrize(
    ("model", "body", "param", "named"),
    [
        ("dall-e-3", {"size": "512x512"}, "size", "1024x1024, 1024x1792, 1792x1024"),
        ("dall-e-3", {"quality": "low"}, "quality", "hd, standard"),
        ("dall-e-3", {"n": 2}, "n", "1 to 1"),
        ("dall-e-2", {"quality": "hd"}, "quality", "standard"),
        ("dall-e-2", {"n": 11}, "n", "1 to 10"),
        ("gpt-image-1", {"quality": "hd"}, "quality", "low, medium, high, auto"),
        ("gpt-image-1", {"size": "1792x1024"}, "size", "1024x1024, 1024x1536, 1536x1024, auto"),
        ("gpt-image-2", {"n": 0}, "n", "1 to 10"),
        ("gpt-image-2", {"size": "1000x1000"}, "size", "divisible by 16"),
        ("dall-e-3", {"style": "anime"}, "style", "natural, vivid"),
        ("gpt-image-1.5", {"style": "vivid"}, "style", "none"),
        ("gpt-image-1", {"response_format": "url"}, "response_format", "none"),
        ("stable-diffusion-v1-6", {}, "model", "its provider's own route"),
    ],
)
def test_an_unpriced_or_unknown_image_option_is_refused_naming_the_allowed_ones(
    model: str, body: dict[str, object], param: str, named: str
) -> None:
    with pytest.raises(MediaRequestError) as raised:
        plan_image(CATALOG.get(model), body)
    assert raised.value.param == param
    assert named in raised.value.message


@pytest.mark.parametrize(
    ("model", "operation"),
    [
        ("dall-e-3", Operation.EDIT),
        ("dall-e-3", Operation.VARIATION),
        ("gpt-image-2", Operation.VARIATION),
    ],
)
def test_a_model_takes_only_its_operations(model: str, operation: Operation) -> None:
    with pytest.raises(MediaRequestError) as raised:
        plan_image(CATALOG.get(model), {}, operation)
    assert raised.value.param == "model"
    assert f"/v1/images/{operation}" in raised.value.message


def test_no_model_is_a_400_naming_the_field() -> None:
    with pytest.raises(MediaRequestError) as raised:
        require_model(None)
    assert raised.value.param == "model"
    assert require_model("dall-e-2") == "dall-e-2"


def test_an_image_answer_without_a_data_list_is_the_providers_failure() -> None:
    assert images_returned({"data": [{}, {}]}) == 2
    with pytest.raises(UpstreamError):
        images_returned({"created": 1})
