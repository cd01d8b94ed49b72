"""The /models pages: each callable model with its price, packed into Telegram messages.

Pure functions, no I/O. Invariant: every page, with its title and footer, is at most
`MESSAGE_LIMIT` characters of HTML, which is never fewer than Telegram counts once the
markup is parsed, so no page is refused as too long however many models the catalog sells.
Pages are a pure function of the price list and the texts, so page N of a button pressed
later is the same page N (the list is fixed for the life of the process).
"""

from __future__ import annotations

from bot.price_list import OfferedModel, PricedBy, PriceList
from bot.render import escape
from bot.texts import Texts
from storage.money import format_money

#: Telegram's limit for a message's text.
MESSAGE_LIMIT = 4096


def price_text(texts: Texts, model: OfferedModel, currency: str) -> str:
    """What the model costs, per the unit it is priced by."""

    def money(units: int) -> str:
        return format_money(units, currency)

    match model.priced_by:
        case PricedBy.TOKENS if model.second:
            return texts.models_price_tokens.format(
                input=money(model.first), output=money(model.second)
            )
        case PricedBy.TOKENS:
            return texts.models_price_input_tokens.format(input=money(model.first))
        case PricedBy.CHARACTERS:
            return texts.models_price_characters.format(price=money(model.first))
        case PricedBy.MINUTES:
            return texts.models_price_minutes.format(price=money(model.first))
        case PricedBy.IMAGES if model.second > model.first:
            return texts.models_price_images.format(
                low=money(model.first), high=money(model.second)
            )
        case PricedBy.IMAGES:
            return texts.models_price_image.format(price=money(model.first))


def model_entry(texts: Texts, model: OfferedModel, currency: str) -> str:
    """The model's name and price, and for chat what a call without max_tokens holds."""
    lines = [f"<code>{escape(model.name)}</code> · {price_text(texts, model, currency)}"]
    if model.answer_hold:
        lines.append(
            texts.models_hold.format(
                hold=format_money(model.answer_hold, currency), tokens=model.max_output_tokens
            )
        )
    return "\n".join(lines)


def _heading(provider: str) -> str:
    return f"<b>{escape(provider)}</b>"


def pack_pages(blocks: list[tuple[str, str]], budget: int) -> list[str]:
    """(provider, entry) blocks, in order, packed into pages of at most `budget` characters.

    Each page names the provider of its first entry, and every provider change, so a page
    read alone still says whose models it lists. An entry longer than a whole page (no real
    one is) gets a page of its own.
    """
    pages: list[str] = []
    current: list[str] = []
    provider_shown = ""
    for provider, entry in blocks:
        block = entry if provider == provider_shown else f"{_heading(provider)}\n{entry}"
        if current and len("\n\n".join([*current, block])) > budget:
            pages.append("\n\n".join(current))
            current, block = [], f"{_heading(provider)}\n{entry}"
        current.append(block)
        provider_shown = provider
    if current:
        pages.append("\n\n".join(current))
    return pages


def models_pages(texts: Texts, prices: PriceList, currency: str, base_url: str) -> list[str]:
    """Every page of /models, whole (title, models, footer); one page saying that nothing
    can be called when the list is empty."""
    footer = texts.models_footer.format(base_url=escape(base_url))
    if not prices.models:
        return [f"{texts.models_none}\n\n{footer}"]
    longest_title = texts.models_title.format(page=999, pages=999, currency=escape(currency))
    budget = MESSAGE_LIMIT - len(longest_title) - len(footer) - len("\n\n") * 2
    blocks = [(m.provider, model_entry(texts, m, currency)) for m in prices.models]
    bodies = pack_pages(blocks, budget)
    return [
        "\n\n".join(
            [
                texts.models_title.format(
                    page=number, pages=len(bodies), currency=escape(currency)
                ),
                body,
                footer,
            ]
        )
        for number, body in enumerate(bodies, start=1)
    ]
