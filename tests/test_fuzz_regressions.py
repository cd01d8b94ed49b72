"""Inputs the OpenAPI fuzz test (tests/test_openapi_fuzz.py) found to break the service,
pinned one by one so each fix stays fixed even if the fuzzer stops generating them."""

from __future__ import annotations

from tests.conftest import ApiHarness
from tests.error_shape import assert_openai_shape
from tests.ledger import table_snapshot

_BOUNDARY = "fuzzboundary"


async def test_a_form_part_header_with_a_control_character_is_400(api: ApiHarness) -> None:
    """aiohttp's multipart reader raises InvalidHeader (not a ValueError) for such a part."""
    key = await api.register()
    before = await table_snapshot(api.storage)
    body = (
        f"--{_BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="a\x17b"\r\n\r\nvalue\r\n'
        f"--{_BOUNDARY}--\r\n"
    ).encode()
    response = await api.client.post(
        "/v1/audio/transcriptions",
        data=body,
        headers={
            "Authorization": f"Bearer {key}",
            "Content-Type": f"multipart/form-data; boundary={_BOUNDARY}",
        },
    )
    error = await response.json()
    assert response.status == 400
    assert_openai_shape(error)
    assert "multipart body is malformed" in error["error"]["message"]
    assert await table_snapshot(api.storage) == before
