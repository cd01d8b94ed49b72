"""The bot's price list, made from the provider registry: the composition root's translation
between providers/ (which the bot may not import) and the bot's plain values.

Imported only where the bot runs (`api.service.bot_config`): it imports `bot`, and with it
aiogram, which an API-only process never loads.
"""

from __future__ import annotations

from bot.price_list import OfferedModel, PricedBy, PriceList
from providers.catalog import Model, ModelKind
from providers.registry import Registry


def offered_model(model: Model) -> OfferedModel:
    """One callable model as /models shows it, priced by what its bill counts.

    A chat call without `max_tokens` holds the model's whole maximum output at its output
    price (`Model.cost`, the holds' own rule), plus its prompt: that first part is
    `answer_hold`.
    """
    name, provider = model.name, model.provider
    per_input, per_output = model.input_per_1m, model.output_per_1m
    if model.kind is ModelKind.IMAGE:
        prices = sorted(model.image_prices.values()) or [model.per_image]
        return OfferedModel(name, provider, PricedBy.IMAGES, prices[0], prices[-1])
    if model.kind is ModelKind.SPEECH:
        return OfferedModel(name, provider, PricedBy.CHARACTERS, per_input)
    if model.kind is ModelKind.TRANSCRIPTION and model.token_prices is None:
        return OfferedModel(name, provider, PricedBy.MINUTES, model.per_minute)
    if model.kind is not ModelKind.CHAT:
        return OfferedModel(name, provider, PricedBy.TOKENS, per_input, per_output)
    return OfferedModel(
        name,
        provider,
        PricedBy.TOKENS,
        per_input,
        per_output,
        answer_hold=model.cost(0, model.max_output_tokens),
        max_output_tokens=model.max_output_tokens,
    )


def price_list(registry: Registry) -> PriceList:
    """The models callable now, each provider's together (providers in the order the
    catalog first names them, models in catalog order), and the examples' model."""
    callable_models = registry.callable_models()
    providers = list(dict.fromkeys(model.provider for model in callable_models))
    grouped = sorted(callable_models, key=lambda model: providers.index(model.provider))
    return PriceList(
        models=tuple(offered_model(model) for model in grouped),
        example_model=registry.example_model(),
    )
