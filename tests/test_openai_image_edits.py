"""`/v1/images/edits` and `/v1/images/variations` over the real app: multipart uploads,
checked before the gate, forwarded as multipart, billed per image (dall-e-2) or to the token
(GPT image models, the uploaded images as image input)."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_aiohttp import AiohttpClient

from api.app import create_api_app
from providers.catalog import load_catalog
from providers.image_output import ImageTokens
from providers.image_tokens import PROMPT_FRAMING_TOKENS
from providers.usage import TokenUsage
from tests.conftest import OPERATOR_KEY, ApiHarness
from tests.image_files import ImagePart, image_form, image_part
from tests.ledger import account_state, calls
from tests.source_prices import source_units

CREDIT = 10**6
EDITS = "/v1/images/edits"
VARIATIONS = "/v1/images/variations"
SQUARE = image_part("image", 256, 256)
PROMPT = "add a red balloon"  # 4 words: the fake reports 4 text tokens


async def send(api: ApiHarness, path: str, files: list[ImagePart], **fields: str) -> Any:
    key = await api.register()
    form = image_form(files, **fields)
    return await api.client.post(path, data=form, headers={"Authorization": f"Bearer {key}"})


async def test_a_dall_e_2_edit_is_forwarded_as_multipart_and_billed_per_image(
    api: ApiHarness,
) -> None:
    key = await api.register()
    mask = image_part("mask", 256, 256)
    form = image_form(
        [SQUARE, mask], username="alice", key=key, model="dall-e-2", prompt=PROMPT, n="2"
    )
    response = await api.client.post("/openai/v1/images/edits", data=form)
    assert response.status == 200
    assert response.headers["X-Myapi-Cost-Units"] == "40000"  # two 1024x1024: 0.020 USD each
    [received] = api.upstream.requests
    assert received.path == EDITS
    assert received.headers["Authorization"] == f"Bearer {OPERATOR_KEY}"
    assert received.body == {
        "model": "dall-e-2",
        "prompt": PROMPT,
        "n": 2,
        "size": "1024x1024",  # the priced default, sent explicitly
        "image": {"filename": "image.png", "content_type": "image/png", "data": SQUARE[1]},
        "mask": {"filename": "mask.png", "content_type": "image/png", "data": mask[1]},
    }
    assert await calls(api) == [
        {
            "endpoint": "/openai/v1/images/edits",
            "provider": "openai",
            "model": "dall-e-2",
            "status": 200,
            "input_units": 0,
            "output_units": 2,
            "cost": 40_000,
            "held": 40_000,
        }
    ]


async def test_a_variation_is_held_for_n_images_and_billed_per_image_returned(
    api: ApiHarness,
) -> None:
    api.upstream.media.images_returned = 2
    response = await send(api, VARIATIONS, [SQUARE], model="dall-e-2", n="3", size="256x256")
    assert response.status == 200
    assert "prompt" not in api.upstream.requests[0].body
    [call] = await calls(api)
    # dall-e-2 256x256: 0.016 USD; three held, two made
    assert (call["held"], call["output_units"], call["cost"]) == (48_000, 2, 32_000)
    assert await account_state(api) == (CREDIT - 32_000, 0, 0)


async def test_a_gpt_image_edit_bills_the_uploaded_images_as_image_input(
    api: ApiHarness,
) -> None:
    files = [image_part("image[]", 1024, 1024), image_part("image[]", 512, 768, "JPEG")]
    response = await send(
        api, EDITS, files, model="gpt-image-2", prompt=PROMPT, quality="low", size="1024x1024"
    )
    assert response.status == 200
    [received] = api.upstream.requests
    assert [image["data"] for image in received.body["image[]"]] == [files[0][1], files[1][1]]
    # the fake: 4 text tokens, 323 image tokens per upload, 272 image output tokens
    usage = TokenUsage(4 + 646, 272, input_image_tokens=646, output_image_tokens=272)
    cost = source_units(load_catalog().get("gpt-image-2"), usage)
    [call] = await calls(api)
    assert (call["input_units"], call["output_units"], call["cost"]) == (650, 272, cost)
    tokens = ImageTokens("gpt-image-2", 0)
    inputs = len(PROMPT) + PROMPT_FRAMING_TOKENS
    inputs += tokens.input_image(1024, 1024) + tokens.input_image(512, 768)
    outputs = tokens.output("1024x1024", "low") + tokens.planning
    assert call["held"] == inputs * 8 + outputs * 30  # 8 and 30 USD per 1M, the dearest
    assert await account_state(api) == (CREDIT - cost, 0, 0)


async def test_an_edit_answer_without_usage_is_charged_the_hold(api: ApiHarness) -> None:
    api.upstream.media.report_image_usage = False
    await send(api, EDITS, [SQUARE], model="gpt-image-1.5", prompt=PROMPT, quality="low")
    [call] = await calls(api)
    assert call["cost"] == call["held"] > 0


@pytest.mark.parametrize(
    ("path", "files", "fields", "param"),
    [
        (EDITS, [SQUARE], {"prompt": PROMPT}, "model"),
        (EDITS, [image_part("mask", 256, 256)], {"model": "dall-e-2"}, "image"),
        (EDITS, [SQUARE], {"model": "dall-e-2"}, "prompt"),
        (
            EDITS,
            [("image", b"not an image", "x.png", "image/png")],
            {"model": "dall-e-2"},
            "image",
        ),
        (EDITS, [image_part("image", 256, 128)], {"model": "dall-e-2"}, "image"),
        (EDITS, [image_part("image", 256, 256, "JPEG")], {"model": "dall-e-2"}, "image"),
        (EDITS, [SQUARE, image_part("mask", 128, 128)], {"model": "dall-e-2"}, "mask"),
        (EDITS, [SQUARE, image_part("mask", 256, 256, "WEBP")], {"model": "gpt-image-2"}, "mask"),
        (EDITS, [SQUARE] * 2, {"model": "dall-e-2"}, "image"),
        (EDITS, [image_part("image[]", 64, 64)] * 17, {"model": "gpt-image-2"}, "image[]"),
        (EDITS, [SQUARE], {"model": "dall-e-3"}, "model"),
        (EDITS, [SQUARE], {"model": "tts-1"}, "model"),
        (EDITS, [SQUARE], {"model": "dall-e-2", "size": "2048x2048"}, "size"),
        (EDITS, [SQUARE], {"model": "gpt-image-1", "size": "800x800"}, "size"),
        (EDITS, [SQUARE], {"model": "dall-e-2", "n": "two"}, "n"),
        (EDITS, [SQUARE], {"model": "gpt-image-2", "stream": "true"}, "stream"),
        (EDITS, [SQUARE], {"model": "gpt-image-2.5-flare", "quality": "max"}, "quality"),
        (VARIATIONS, [SQUARE], {"model": "gpt-image-2"}, "model"),
        (VARIATIONS, [image_part("image", 300, 200)], {"model": "dall-e-2"}, "image"),
    ],
)
async def test_a_bad_upload_is_a_400_before_the_gate_and_writes_nothing(
    api: ApiHarness, path: str, files: list[ImagePart], fields: dict[str, str], param: str
) -> None:
    if path == EDITS and param != "prompt":
        fields = {"prompt": PROMPT, **fields}
    response = await send(api, path, files, **fields)
    error = (await response.json())["error"]
    assert (response.status, error["param"]) == (400, param), error["message"]
    assert api.upstream.requests == []
    assert await calls(api) == []
    assert await account_state(api) == (CREDIT, 0, 0)


async def test_a_text_field_sent_as_a_file_is_a_400(api: ApiHarness) -> None:
    files = [SQUARE, ("prompt", b"a balloon", "prompt.txt", "text/plain")]
    response = await send(api, EDITS, files, model="dall-e-2")
    assert (response.status, (await response.json())["error"]["param"]) == (400, "prompt")
    assert api.upstream.requests == []


async def test_an_unknown_model_is_404_and_writes_nothing(api: ApiHarness) -> None:
    response = await send(api, EDITS, [SQUARE], model="no-such-model", prompt=PROMPT)
    assert response.status == 404
    assert await account_state(api) == (CREDIT, 0, 0)


async def test_a_json_body_is_a_400_saying_to_send_a_form(api: ApiHarness) -> None:
    key = await api.register()
    response = await api.client.post(EDITS, json={"model": "dall-e-2", "key": key})
    assert response.status == 400
    assert "multipart/form-data" in (await response.json())["error"]["message"]


async def test_an_upload_over_the_image_limit_is_413_and_costs_nothing(
    api: ApiHarness, aiohttp_client: AiohttpClient
) -> None:
    app = create_api_app(api.context, max_body_bytes=64 * 1024, max_image_bytes=16 * 1024)
    client = await aiohttp_client(app)
    key = await api.register()
    big = image_part("image", 1024, 1024, "JPEG")  # noise-free, but larger than 16 KB
    assert len(big[1]) > 16 * 1024
    form = image_form([big], model="gpt-image-2", prompt=PROMPT, key=key)
    response = await client.post(EDITS, data=form)
    error = (await response.json())["error"]
    assert (response.status, error["code"]) == (413, "request_too_large")
    assert "smaller images" in error["message"]
    assert await account_state(api) == (CREDIT, 0, 0)


async def test_the_providers_refusal_passes_on_and_costs_nothing(api: ApiHarness) -> None:
    api.upstream.fail_status = 400
    api.upstream.fail_message = "Your request was rejected by the safety system."
    response = await send(api, EDITS, [SQUARE], model="dall-e-2", prompt=PROMPT)
    assert response.status == 400
    assert "safety system" in (await response.json())["error"]["message"]
    assert await account_state(api) == (CREDIT, 0, 0)


async def test_a_retried_upload_with_its_idempotency_key_is_replayed_and_billed_once(
    api: ApiHarness,
) -> None:
    key = await api.register()
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": "edit-1"}
    answers = []
    for _ in range(2):
        form = image_form([SQUARE], model="dall-e-2", prompt=PROMPT, size="256x256")
        response = await api.client.post(EDITS, data=form, headers=headers)
        answers.append((response.status, await response.read()))
    assert answers[0] == answers[1]
    assert len(api.upstream.requests) == 1
    assert await account_state(api) == (CREDIT - 16_000, 0, 0)
    other = image_form([image_part("image", 512, 512)], model="dall-e-2", prompt=PROMPT)
    reused = await api.client.post(EDITS, data=other, headers=headers)
    assert reused.status == 422
