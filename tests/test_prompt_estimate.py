"""The prompt estimate of a stream that ended without usage: text a token per four bytes,
media parts at their dialect's per-part figure, never by their payload's size."""

from __future__ import annotations

from providers.prompt_estimate import (
    ANTHROPIC_MEDIA_BLOCK_TOKENS,
    GEMINI_MEDIA_PART_TOKENS,
    OPENAI_MEDIA_PART_TOKENS,
    anthropic_prompt_tokens,
    gemini_prompt_tokens,
    openai_prompt_tokens,
)

PAYLOAD = "A" * 2_000_000  # 2 MB of base64


def test_text_counts_a_token_per_four_bytes_of_keys_and_values() -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": "hi there"}]}
    # "role" "user" "content" "hi there": 4 + 4 + 7 + 8 = 23 bytes -> 5 tokens, plus one
    assert openai_prompt_tokens(body) == 23 // 4 + 1


def test_an_openai_image_counts_its_figure_not_its_bytes() -> None:
    part = {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PAYLOAD}"}}
    body = {"messages": [{"role": "user", "content": [part]}]}
    # "role" "user" "content": 15 bytes -> 3 tokens
    assert openai_prompt_tokens(body) == 15 // 4 + OPENAI_MEDIA_PART_TOKENS + 1


def test_an_anthropic_image_counts_its_figure_not_its_bytes() -> None:
    source = {"type": "base64", "media_type": "image/png", "data": PAYLOAD}
    body = {
        "system": "be brief",
        "messages": [{"role": "user", "content": [{"type": "image", "source": source}]}],
    }
    # "be brief" 8 + "role" "user" "content" 15 = 23 bytes -> 5 tokens
    assert anthropic_prompt_tokens(body) == 23 // 4 + ANTHROPIC_MEDIA_BLOCK_TOKENS + 1


def test_a_gemini_inline_image_counts_its_figure_not_its_bytes() -> None:
    inline = {"inlineData": {"mimeType": "image/png", "data": PAYLOAD}}
    body = {"contents": [{"parts": [inline, {"text": "what?"}]}]}
    # "parts" 5 + "text" 4 + "what?" 5 = 14 bytes -> 3 tokens
    assert gemini_prompt_tokens(body) == 14 // 4 + GEMINI_MEDIA_PART_TOKENS + 1
