"""Pure translation rules for OpenAI-compatible chat: holds, payloads, usage, streams."""

from __future__ import annotations

import json

import pytest

from providers.catalog import parse_catalog
from providers.errors import UpstreamError
from providers.http import upstream_error
from providers.openai_compat import UsageScanner, chat_payload, usage_from
from providers.openai_holds import hold_for_chat, max_input_tokens, requested_output_tokens
from providers.prompt_bound import json_bytes

MODEL = parse_catalog(
    '[models.m]\nprovider = "openai"\nupstream = "up-m"\ninput_per_1m = "1"\n'
    'output_per_1m = "2"\nmax_output_tokens = 1000\ncontext_window = 100000\n'
).get("m")


def test_output_bound_is_max_tokens_capped_by_the_model() -> None:
    assert requested_output_tokens({"max_tokens": 10}, MODEL) == 10
    assert requested_output_tokens({"max_completion_tokens": 5000}, MODEL) == 1000
    assert requested_output_tokens({}, MODEL) == 1000
    both = {"max_completion_tokens": 1, "max_tokens": 500}
    assert requested_output_tokens(both, MODEL) == 500  # the larger of the two


def test_hold_prices_the_maximum_output_and_the_prompt() -> None:
    body = {"messages": [{"role": "user", "content": "x" * 400}], "max_tokens": 100}
    hold = hold_for_chat(body, MODEL)
    # every byte of the body's compact JSON, 16 + 8 framing tokens, 100 output tokens
    assert hold == MODEL.cost(json_bytes(body) + 24, 100)
    triple = {**body, "n": 3}
    assert hold_for_chat(triple, MODEL) == MODEL.cost(json_bytes(triple) + 24, 300)


def test_payload_uses_the_upstream_name_and_asks_a_stream_for_usage() -> None:
    payload = chat_payload({"model": "m", "stream": True, "stream_options": {"x": 1}}, MODEL)
    assert payload["model"] == "up-m"
    assert payload["stream_options"] == {"x": 1, "include_usage": True}


def test_usage_is_required_to_bill() -> None:
    assert usage_from({"usage": {"prompt_tokens": 3, "completion_tokens": 4}}).output_tokens == 4
    with pytest.raises(UpstreamError):
        usage_from({"choices": []})


def _event(data: dict[str, object]) -> bytes:
    return b"data: " + json.dumps(data).encode() + b"\n\n"


def test_scanner_reassembles_events_split_across_chunks() -> None:
    scanner = UsageScanner(forward_usage_chunk=False)
    stream = (
        _event({"choices": [{"delta": {"content": "a"}}], "usage": None})
        + _event({"choices": [], "usage": {"prompt_tokens": 7, "completion_tokens": 2}})
        + b"data: [DONE]\n\n"
    )
    out = b"".join(scanner.feed(stream[i : i + 7]) for i in range(0, len(stream), 7))
    assert scanner.usage is not None
    assert scanner.usage.input_tokens == 7
    assert b'"prompt_tokens"' not in out
    assert out.endswith(b"data: [DONE]\n\n")
    assert b'"content": "a"' in out


def test_scanner_keeps_the_usage_chunk_when_asked() -> None:
    scanner = UsageScanner(forward_usage_chunk=True)
    chunk = _event({"choices": [], "usage": {"prompt_tokens": 1, "completion_tokens": 1}})
    assert scanner.feed(chunk) == chunk


@pytest.mark.parametrize(
    ("status", "expected"), [(400, 400), (404, 404), (401, 502), (403, 502), (500, 502)]
)
def test_upstream_statuses_map_as_designed(status: int, expected: int) -> None:
    assert upstream_error(status, b'{"error": {"message": "m"}}', "sk-k", None).status == expected


def test_upstream_messages_lose_anything_key_like() -> None:
    body = b'{"error": {"message": "bad key sk-abcdef123456 and sk-operator"}}'
    message = upstream_error(400, body, "sk-operator", None).message
    assert "sk-abcdef123456" not in message
    assert "sk-operator" not in message


def test_the_input_bound_counts_text_bytes_and_images_not_their_base64() -> None:
    text = "x" * 1000
    plain = {"messages": [{"role": "user", "content": text}]}
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64," + "A" * 100_000}}
    vision = {"messages": [{"role": "user", "content": [{"type": "text", "text": text}, image]}]}
    assert max_input_tokens(plain, MODEL) == json_bytes(plain) + 24
    with_text = {"messages": [{"role": "user", "content": [{"type": "text", "text": text}]}]}
    image_bound = max_input_tokens(vision, MODEL) - max_input_tokens(with_text, MODEL)
    assert image_bound == 48_169 + 1  # the image at its maximum, and the comma before it


def test_the_hold_covers_a_prompt_of_one_token_per_byte() -> None:
    body = {"messages": [{"role": "user", "content": "é" * 300}], "max_tokens": 10}
    assert hold_for_chat(body, MODEL) >= MODEL.cost(600, 10)  # 600 bytes of UTF-8


def test_the_context_window_caps_the_prompt_and_files_count_as_all_of_it() -> None:
    long = {"messages": [{"role": "user", "content": "x" * 200_000}]}
    assert max_input_tokens(long, MODEL) == 100_000
    file = {"type": "file", "file": {"file_id": "file-1"}}
    body = {"messages": [{"role": "user", "content": [file]}]}
    assert max_input_tokens(body, MODEL) == 100_000


def test_scanner_counts_the_same_whether_events_come_whole_or_split() -> None:
    events = [_event({"choices": [{"delta": {"content": f"w{i}"}}]}) for i in range(5)]
    whole, split = UsageScanner(False), UsageScanner(False)
    assert b"".join(whole.feed(event) for event in events) == b"".join(events)
    stream = b"".join(events)
    assert b"".join(split.feed(stream[i : i + 5]) for i in range(0, len(stream), 5)) == stream
    assert whole.output_events == split.output_events == 5


def test_chunks_with_null_usage_take_the_fast_path_and_count_the_same() -> None:
    """With include_usage OpenAI sends `"usage":null` on every chunk but the last."""
    events = [b'data: {"choices":[{"delta":{"content":"w"}}],"usage":null}\n\n' for _ in range(3)]
    scanner = UsageScanner(False)
    assert b"".join(scanner.feed(event) for event in events) == b"".join(events)
    assert (scanner.output_events, scanner.usage) == (3, None)
