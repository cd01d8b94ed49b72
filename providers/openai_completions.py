"""OpenAI's legacy completions (`POST /v1/completions`) as a `ChatDialect`.

The wire protocol is chat's in all that billing reads: the same `usage` object in a whole
answer, and with `stream_options.include_usage` the same usage-only last chunk of a stream,
which `providers.openai_compat.chat_payload` asks for and `UsageScanner` reads. So
`OPENAI_COMPLETIONS` is `OPENAI_CHAT` but for the hold, the prompt's estimate, the path and
the stream events' output field (`"text"`, not `"content"`). Pure functions, no I/O.

Invariant of the hold: it is at least what the provider can bill for the request.

- Each prompt of a list is answered apart: its tokens are input, at most one per UTF-8
  byte of text (any byte-level tokenizer) or the token ids given, plus `suffix`'s bytes,
  and never more than the context window (a longer prompt is refused by the provider).
- Every prompt gets `max(n, best_of)` candidates: `best_of` are generated and billed
  server-side even though only `n` are returned.
- A candidate's output is `max_tokens` (16 when absent: OpenAI's default, so what the
  provider can produce, not the model's maximum), capped by the model's maximum output;
  with `echo` the prompt comes back in each candidate's text, and is held as output too.
"""

from __future__ import annotations

from collections.abc import Mapping

from providers.catalog import Model
from providers.dialect import ChatDialect, StreamScanner
from providers.openai_compat import OpenAIChat, UsageScanner, client_wants_usage
from providers.openai_media import embedding_token_bound
from providers.prompt_estimate import BYTES_PER_TOKEN
from providers.registry import Route
from providers.usage import JsonObject

#: OpenAI's `max_tokens` when a completions request sends none.
DEFAULT_MAX_TOKENS = 16
#: The field of a completions stream event that carries produced text.
_OUTPUT_MARKER = b'"text"'


def _token_ids(value: object) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in value)
    )


def is_prompt(value: object) -> bool:
    """Whether `value` is a prompt OpenAI takes: null, a string, or a non-empty list of
    strings, of token ids, or of non-empty token-id lists."""
    if value is None or isinstance(value, str) or _token_ids(value):
        return True
    if not isinstance(value, list) or not value:
        return False
    return all(isinstance(p, str) for p in value) or all(_token_ids(p) for p in value)


def prompts_of(prompt: object) -> list[object]:
    """The prompts the provider answers apart: each string of a list of strings, each
    array of a list of token arrays; a string, one token array or null is one prompt."""
    if isinstance(prompt, list) and prompt and all(isinstance(p, str | list) for p in prompt):
        return list(prompt)
    return [prompt]


def _suffix_bytes(body: JsonObject) -> int:
    suffix = body.get("suffix")
    return len(suffix.encode()) if isinstance(suffix, str) else 0


def prompt_token_bounds(body: JsonObject, model: Model) -> list[int]:
    """Each prompt's most tokens, suffix included, capped by the context window; an empty
    or null prompt counts as one (the end-of-text token the model starts from)."""
    suffix = _suffix_bytes(body)
    bounds = [max(1, embedding_token_bound(p)) + suffix for p in prompts_of(body.get("prompt"))]
    window = model.context_window
    return [min(bound, window) for bound in bounds] if window else bounds


def _count(body: JsonObject, field: str) -> int:
    value = body.get(field)
    return value if isinstance(value, int) and not isinstance(value, bool) else 1


def candidate_output_tokens(body: JsonObject, model: Model) -> int:
    """One candidate's generated tokens: `max_tokens`, or OpenAI's default, at most the
    model's maximum output."""
    asked = body.get("max_tokens")
    limit = asked if isinstance(asked, int) and not isinstance(asked, bool) else None
    return min(DEFAULT_MAX_TOKENS if limit is None else limit, model.max_output_tokens)


def hold_for_completions(body: JsonObject, model: Model) -> int:
    """The most a completions call (validated by the route) can cost, at least one unit."""
    prompts = prompt_token_bounds(body, model)
    candidates = max(_count(body, "n"), _count(body, "best_of"))
    generated = candidate_output_tokens(body, model)
    echoed = body.get("echo") is True
    output = sum(candidates * (generated + (prompt if echoed else 0)) for prompt in prompts)
    return max(1, model.cost(sum(prompts), output))


def completions_prompt_tokens(body: JsonObject) -> int:
    """The likely prompt tokens, for a stream that ended without usage: a token per four
    bytes of text, the ids of token arrays as they are."""
    prompts = prompts_of(body.get("prompt"))
    text = sum(len(p.encode()) for p in prompts if isinstance(p, str)) + _suffix_bytes(body)
    ids = sum(embedding_token_bound(p) for p in prompts if isinstance(p, list))
    return text // BYTES_PER_TOKEN + ids + 1


class OpenAICompletions(OpenAIChat):
    """`/completions` of an OpenAI-compatible provider: chat's protocol but for the hold,
    the prompt, the path and the stream's output field."""

    def hold(self, body: JsonObject, model: Model, client_headers: Mapping[str, str]) -> int:
        return hold_for_completions(body, model)

    def prompt_tokens(self, body: JsonObject) -> int:
        return completions_prompt_tokens(body)

    def url(self, route: Route, call: JsonObject) -> str:
        return f"{route.openai_base_url}/completions"

    def scanner(self, body: JsonObject) -> StreamScanner:
        return UsageScanner(client_wants_usage(body), output_marker=_OUTPUT_MARKER)


OPENAI_COMPLETIONS: ChatDialect[JsonObject] = OpenAICompletions()
