"""Telegram's HTML rules, so the fake refuses what Telegram would refuse (escaping bugs fail)."""

from __future__ import annotations

from html import unescape
from html.parser import HTMLParser

_ALLOWED_TAGS = frozenset(
    {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a"}
    | {"tg-emoji", "code", "pre", "blockquote"}
)
_NAMED_ENTITIES = frozenset({"lt", "gt", "amp", "quot"})


class ApiError(Exception):
    """A Bot API error answer (`ok: false`) with Telegram's status and description."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


class _TelegramHtml(HTMLParser):
    """Telegram's HTML rules: its few tags, balanced, and no bare `<` or `&` in text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.open_tags: list[str] = []
        self.plain: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _ALLOWED_TAGS:
            raise ApiError(
                400, f'Bad Request: can\'t parse entities: Unsupported start tag "{tag}"'
            )
        self.open_tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open_tags or self.open_tags.pop() != tag:
            raise ApiError(400, f'Bad Request: can\'t parse entities: Unmatched end tag "{tag}"')

    def handle_data(self, data: str) -> None:
        if "<" in data or "&" in data:
            raise ApiError(400, "Bad Request: can't parse entities: unescaped < or & in text")
        self.plain.append(data)

    def handle_entityref(self, name: str) -> None:
        if name not in _NAMED_ENTITIES:
            raise ApiError(400, f"Bad Request: can't parse entities: unknown entity &{name};")
        self.plain.append(unescape(f"&{name};"))

    def handle_charref(self, name: str) -> None:
        self.plain.append(unescape(f"&#{name};"))


def plain_text(html: str) -> str:
    """What Telegram would display for `html`; raises ApiError where Telegram answers 400."""
    parser = _TelegramHtml()
    parser.feed(html)
    parser.close()
    if parser.open_tags:
        raise ApiError(400, f"Bad Request: can't parse entities: unclosed {parser.open_tags}")
    return "".join(parser.plain)
