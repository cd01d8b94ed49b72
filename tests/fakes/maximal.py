"""A fake provider that bills honestly AND as high as each provider's rules allow.

It serves OpenAI chat and responses, Anthropic Messages and Gemini generateContent from one
server, and
counts usage from the request by its own statement of the rules (kept apart from the
gateway's code on purpose): every byte of every string and key in the body is a prompt
token, each image costs the provider's largest image, a part of unknown size the whole
context window, and each choice or candidate produces the full output it was allowed. A
response given built-in tools calls the dearest of them `max_tool_calls` times (without a
bound, 100 times), each call followed by another pass over the whole window.
OpenAI's legacy completions bill each prompt's bytes (or token ids) and its suffix's, and
every `best_of` candidate of every prompt its whole `max_tokens` (16 unless sent), plus
the prompt again when it is echoed.
Like the real providers, it refuses (400) a prompt longer than the model's context window.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from providers.catalog import Catalog, Model
from providers.usage import TokenUsage

#: The most one image costs, by provider: gpt-4o-mini's high detail (8 tiles of 5,667 and
#: 2,833), Claude's 2,576-pixel images (4,784), Gemini's 31 tiles of 258.
NATIVE = ("anthropic", "gemini")
IMAGE_TOKENS = {"openai": 48_169, "anthropic": 4_784, "gemini": 31 * 258}
#: The built-in tools it runs: a request tool's type, its call's item and usage counter.
TOOL_CALLS = {
    "web_search": ("web_search_call", "web_search_calls"),
    "web_search_preview": ("web_search_call", "web_search_calls"),
    "file_search": ("file_search_call", "file_search_calls"),
}
#: The calls a response makes when the request does not bound them.
UNBOUNDED_CALLS = 100


def text_bytes(value: object) -> int:
    """Bytes of every key and string (numbers as written): a token each, at most."""
    if isinstance(value, dict):
        return sum(len(str(k).encode()) + text_bytes(v) for k, v in value.items())
    if isinstance(value, list):
        return sum(text_bytes(item) for item in value)
    return len(str(value).encode("utf-8", "surrogatepass"))


@dataclass
class MaximalProvider:
    """Answers each dialect with the highest usage its provider could bill for the body."""

    catalog: Catalog
    billed: list[tuple[str, TokenUsage]] = field(default_factory=list)

    def app(self) -> web.Application:
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_post("/v1/chat/completions", self._openai)
        app.router.add_post("/v1/completions", self._completions)
        app.router.add_post("/v1/responses", self._responses)
        app.router.add_post("/v1/messages", self._anthropic)
        app.router.add_post("/{version}/models/{model_and_method}", self._gemini)
        return app

    def _model(self, dialect: str, upstream: str) -> Model:
        return next(
            m
            for m in self.catalog.models.values()
            if m.upstream == upstream and (dialect == "openai") != (m.provider in NATIVE)
        )

    def _limits(self, dialect: str, upstream: str) -> tuple[int, int]:
        """The model's (max output, context window); OpenAI's dialect serves several."""
        model = self._model(dialect, upstream)
        return model.max_output_tokens, model.context_window

    def _answer(
        self, upstream: str, prompt: int, output: int, window: int, **calls: int
    ) -> web.Response | None:
        """A refusal of a pass over more than the window; else the usage billed, recorded."""
        passes = sum(calls.values())
        if prompt - passes * window > window:
            error = {"message": "prompt is too long", "type": "invalid_request_error"}
            return web.json_response({"error": error}, status=400)
        self.billed.append((upstream, TokenUsage(prompt, output, **calls)))
        return None

    async def _openai(self, request: web.Request) -> web.Response:
        body = await request.json()
        most, window = self._limits("openai", body["model"])
        images = [p for p in _parts(body.get("messages")) if p.get("type") == "image_url"]
        prompt = text_bytes(body) - sum(text_bytes(p) for p in images)
        prompt += len(images) * IMAGE_TOKENS["openai"]
        limits = [body[f] for f in ("max_tokens", "max_completion_tokens") if f in body]
        output = (body.get("n") or 1) * min(max(limits, default=most), most)
        refused = self._answer(body["model"], prompt, output, window)
        usage = {"prompt_tokens": prompt, "completion_tokens": output}
        return refused or web.json_response({"choices": [], "usage": usage})

    async def _completions(self, request: web.Request) -> web.Response:
        body = await request.json()
        most, window = self._limits("openai", body["model"])
        sizes = _prompt_sizes(body)
        if max(sizes) > window:  # each prompt is judged alone
            return web.json_response({"error": {"message": "prompt is too long"}}, status=400)
        candidates = max(body.get("n", 1), body.get("best_of", 1))
        each = min(body.get("max_tokens", 16), most)
        output = sum(candidates * (each + (size if body.get("echo") else 0)) for size in sizes)
        self.billed.append((body["model"], TokenUsage(sum(sizes), output)))
        usage = {"prompt_tokens": sum(sizes), "completion_tokens": output}
        return web.json_response({"choices": [], "usage": usage})

    async def _responses(self, request: web.Request) -> web.Response:
        """A response: a file part is the whole window; half the output is reasoning; every
        built-in tool call another pass over the whole window."""
        body = await request.json()
        most, window = self._limits("openai", body["model"])
        parts = _parts(body.get("input"))
        images = [p for p in parts if p.get("type") == "input_image"]
        files = [p for p in parts if p.get("type") == "input_file"]
        prompt = text_bytes(body) - sum(text_bytes(p) for p in images + files)
        prompt += len(images) * IMAGE_TOKENS["openai"]
        prompt = window if files else prompt
        item, counter, calls = self._tool_calls(body)
        prompt += calls * window
        output = min(body.get("max_output_tokens") or most, most)
        refused = self._answer(body["model"], prompt, output, window, **{counter: calls})
        details = {"reasoning_tokens": output // 2}
        usage = {"input_tokens": prompt, "output_tokens": output, "output_tokens_details": details}
        output_items = [
            {"id": f"tc_{n}", "type": item, "status": "completed"} for n in range(calls)
        ]
        answer = {"id": "resp_maximal", "object": "response", "output": output_items}
        return refused or web.json_response({**answer, "usage": usage})

    def _tool_calls(self, body: dict[str, Any]) -> tuple[str, str, int]:
        """The dearest built-in tool given (item type, usage counter) and how many calls:
        `max_tool_calls`, or UNBOUNDED_CALLS without it; 0 without a built-in tool."""
        given = [TOOL_CALLS[t["type"]] for t in body.get("tools") or [] if t["type"] in TOOL_CALLS]
        if not given:
            return "message", "web_search_calls", 0
        model = self._model("openai", body["model"])
        item, counter = max(
            given, key=lambda tool: model.cost_of(TokenUsage(0, 0, **{tool[1]: 1}))
        )
        return item, counter, body.get("max_tool_calls", UNBOUNDED_CALLS)

    async def _anthropic(self, request: web.Request) -> web.Response:
        body = await request.json()
        most, window = self._limits("anthropic", body["model"])
        images = [p for p in _parts(body.get("messages")) if p.get("type") == "image"]
        prompt = text_bytes(body) - sum(text_bytes(p) for p in images)
        prompt += len(images) * IMAGE_TOKENS["anthropic"]
        output = min(body["max_tokens"], most)
        refused = self._answer(body["model"], prompt, output, window)
        usage = {"input_tokens": prompt, "output_tokens": output}
        return refused or web.json_response({"type": "message", "content": [], "usage": usage})

    async def _gemini(self, request: web.Request) -> web.Response:
        body = await request.json()
        upstream = request.match_info["model_and_method"].rpartition(":")[0]
        most, window = self._limits("gemini", upstream)
        images = [p["inlineData"] for p in _parts(body.get("contents")) if "inlineData" in p]
        prompt = text_bytes(body) - sum(text_bytes(p) for p in images)
        prompt += len(images) * IMAGE_TOKENS["gemini"]
        config = body.get("generationConfig", {})
        per_candidate = min(most, config.get("maxOutputTokens", most))  # thoughts included
        thoughts = per_candidate // 2
        output = config.get("candidateCount", 1) * per_candidate
        refused = self._answer(upstream, prompt, output, window)
        usage = {
            "promptTokenCount": prompt,
            "candidatesTokenCount": output - thoughts,
            "thoughtsTokenCount": thoughts,
        }
        return refused or web.json_response({"candidates": [], "usageMetadata": usage})


def _prompt_sizes(body: dict[str, Any]) -> list[int]:
    """Each prompt's tokens: a token per byte of text or per id, with the suffix's bytes."""
    given = body["prompt"]
    listed = isinstance(given, list) and isinstance(given[0], str | list)
    suffix = len(body.get("suffix", "").encode("utf-8", "surrogatepass"))
    return [_prompt_tokens(prompt) + suffix for prompt in (given if listed else [given])]


def _prompt_tokens(prompt: object) -> int:
    if isinstance(prompt, list):
        return len(prompt)
    return max(1, len(str(prompt or "").encode("utf-8", "surrogatepass")))  # null: end of text


def _parts(turns: object) -> list[dict[str, Any]]:
    """The content parts of OpenAI or Anthropic messages and of Gemini contents."""
    found: list[dict[str, Any]] = []
    for turn in turns if isinstance(turns, list) else []:
        content = turn.get("content", turn.get("parts"))
        found += [p for p in content if isinstance(p, dict)] if isinstance(content, list) else []
    return found
