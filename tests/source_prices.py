"""What the price source itself charges for a usage: the independent side of billing tests.

Our charge (`Model.cost_of`) is computed from prices converted once into minor units; these
helpers ask genai-prices' own calculator for the same usage, so a test compares the two
instead of repeating our arithmetic.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

from genai_prices import Usage, calc_price

from providers.catalog import Model
from providers.usage import TokenUsage

#: Our provider names that genai-prices spells differently.
_PROVIDER_IDS = {"gemini": "google"}


def source_units(model: Model, usage: TokenUsage) -> int:
    """genai-prices' own price for `usage` on `model`, in minor units rounded up: its
    built-in tool calls too, in genai-prices' units (a file search is a storage search)."""
    source = Usage(
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        cache_read_tokens=usage.cache_read_tokens,
        cache_write_tokens=usage.cache_write_tokens,
        cache_write_1h_tokens=usage.cache_write_1h_tokens,
        cache_write_5m_tokens=usage.cache_write_tokens - usage.cache_write_1h_tokens,
        output_reasoning_tokens=usage.reasoning_tokens,
        input_audio_tokens=usage.input_audio_tokens,
        output_audio_tokens=usage.output_audio_tokens,
        input_image_tokens=usage.input_image_tokens,
        output_image_tokens=usage.output_image_tokens,
        cache_audio_read_tokens=0,  # not reported by our providers apart from cache reads
        cache_image_read_tokens=usage.cache_read_image_tokens,
        web_searches=usage.web_search_calls,
        storage_searches=usage.file_search_calls,
        code_executions=usage.code_interpreter_calls,
    )
    return _priced(model, source)


def source_audio_units(model: Model, seconds: float) -> int:
    """genai-prices' own price of transcribing `seconds` of audio on a model it prices by
    the audio's length (all of it input audio), in minor units rounded up."""
    exact = Decimal(str(seconds))
    return _priced(model, Usage(audio_seconds=exact, input_audio_seconds=exact))


def _priced(model: Model, source: Usage) -> int:
    provider = _PROVIDER_IDS.get(model.provider, model.provider)
    total = calc_price(source, model.upstream, provider_id=provider).total_price
    return int((total * 1_000_000).to_integral_value(rounding=ROUND_CEILING))
