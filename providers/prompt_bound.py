"""Upper bounds of a chat prompt's tokens, shared by the holds of every chat dialect.

Invariant: for any request the provider accepts, `PromptTally.bound` is at least the prompt
tokens the provider can bill for it. Three facts make it so:

- a token of every tokenizer here is at least one byte of UTF-8 text, so the bytes of the
  whole request's JSON bound its text, whatever field becomes prompt (messages, system,
  tools, functions, tool_choice, response_format, a field added next year); the dialect
  adds the framing tokens its provider inserts around messages and tools;
- a media part counts at the most the dialect's rules let one such part cost, never by its
  bytes or its URL's length (the caller says which parts those are, by position);
- a prompt never exceeds the model's context window, which the provider refuses, so the sum
  is capped by it; a part whose size cannot be known here (a file by URL or by id, a PDF, a
  video) counts as the whole window.
"""

from __future__ import annotations

from dataclasses import dataclass

from providers.catalog import Model
from providers.errors import UnboundedRequestError
from providers.json_codec import compact
from providers.usage import JsonObject


def json_bytes(value: object) -> int:
    """UTF-8 bytes of `value` as compact JSON; a lone surrogate (valid JSON) counts too.

    A part's compact JSON is a substring of its request's, so subtracting it is exact.
    """
    return len(compact(value).encode("utf-8", "surrogatepass"))


def count_of(value: object) -> int:
    """How many items a list-valued field has (framing is added per message or tool)."""
    return len(value) if isinstance(value, list) else 0


@dataclass(slots=True)
class PromptTally:
    """A request's prompt, sorted into text bytes, bounded media parts and unknown parts.

    Built from the whole body; each media part moved out of `text_bytes` is counted by kind.
    """

    text_bytes: int
    images: int = 0
    unknown: int = 0

    @classmethod
    def of(cls, body: JsonObject) -> PromptTally:
        return cls(json_bytes(body))

    def image(self, part: object) -> None:
        """A part that costs at most the dialect's image maximum, whatever its size."""
        self.text_bytes -= json_bytes(part)
        self.images += 1

    def unknown_size(self, part: object) -> None:
        """A part whose tokens cannot be known before the call: held as the whole window."""
        self.text_bytes -= json_bytes(part)
        self.unknown += 1

    def bound(self, model: Model, *, image_tokens: int, framing: int) -> int:
        """The prompt's upper bound in tokens, capped by the model's context window.

        Raises UnboundedRequestError when a part of unknown size meets a model whose
        window is unknown (0): nothing would bound it.
        """
        window = model.context_window
        if self.unknown and not window:
            message = (
                f"the model {model.name!r} has no context window in the catalog, so a file "
                "by URL or by id cannot be held for: send its content inline"
            )
            raise UnboundedRequestError(message, param="messages")
        total = self.text_bytes + framing + self.images * image_tokens + self.unknown * window
        return min(total, window) if window else total
