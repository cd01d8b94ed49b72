"""The image library's operations in the OpenAPI document (`api.app` adds them beside its
routes, `api.library.routes.ROUTES`)."""

from __future__ import annotations

from api.library import routes
from api.library.answers import DeletedAnswer, ImageAnswer, ImagePageAnswer
from api.library.params import CreateImage, ListImages, UpdateImage
from api.openapi_models import Handler, OperationDoc

_FORM_OR_JSON = ("application/json", "application/x-www-form-urlencoded")
_IMAGE_ID = {"image_id": {"type": "integer", "minimum": 1, "examples": [1]}}
_TAG = "image library"

LIBRARY_OPERATIONS: dict[Handler, OperationDoc] = {
    routes.list_images: OperationDoc(
        "Your images: search, filter, sort and page (free)",
        _TAG,
        query_model=ListImages,
        answer=ImagePageAnswer,
    ),
    routes.create_image: OperationDoc(
        "Generate an image from a description and keep it (billed per image)",
        _TAG,
        body=CreateImage,
        body_types=_FORM_OR_JSON,
        success="201",
        answer=ImageAnswer,
        example={"name": "Lab", "description": "A small robotics lab", "resolution": "256x256"},
        billed=True,
    ),
    routes.show_image: OperationDoc(
        "One of your images (free)", _TAG, path=_IMAGE_ID, answer=ImageAnswer
    ),
    routes.update_image: OperationDoc(
        "Rename an image or mark it a favourite (free)",
        _TAG,
        body=UpdateImage,
        body_types=_FORM_OR_JSON,
        path=_IMAGE_ID,
        example={"favorite": True},
        answer=ImageAnswer,
    ),
    routes.delete_image: OperationDoc(
        "Delete an image, freeing its share of your quota (free)",
        _TAG,
        path=_IMAGE_ID,
        answer=DeletedAnswer,
    ),
    routes.image_content: OperationDoc(
        "The image's bytes (PNG, JPEG or WebP)", _TAG, answers=("image/*",), path=_IMAGE_ID
    ),
}
