# ruff: noqa: RUF001  (the Russian introduction is Cyrillic on purpose, not look-alike letters)
"""The words of the OpenAPI document that no route can say: the introduction (English, then
Russian, for the seeds' readers), the tags that group operations by provider, and what each
error status means.

Each routes module names its operations' tag by a short id (`openai`, `anthropic`...);
`TAGS` gives each id the name and description the document shows, in the order a reader
meets them. An id missing here would show bare, so a test requires every used id to be here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Tag:
    name: str
    description: str
    group: str


_PROVIDERS = "Providers / Провайдеры"
_ACCOUNT = "Your account / Ваш аккаунт"
_SERVICE = "Service / Сервис"

TAGS: dict[str, Tag] = {
    "openai": Tag(
        "OpenAI",
        "OpenAI's API (chat, embeddings, images, audio) for the official `openai` SDK: its "
        "`base_url` is the server's address plus `/v1` (or `/openai/v1`). Чат, эмбеддинги, "
        "изображения и аудио для SDK `openai`.",
        _PROVIDERS,
    ),
    "anthropic": Tag(
        "Anthropic",
        "Anthropic's Messages API for the official `anthropic` SDK: `base_url` is the "
        "server's address plus `/anthropic`. Messages API для SDK `anthropic`.",
        _PROVIDERS,
    ),
    "google": Tag(
        "Google Gemini",
        "Gemini's own API for the official `google-genai` SDK: `base_url` is the server's "
        "address plus `/google`. Собственный API Gemini для SDK `google-genai`.",
        _PROVIDERS,
    ),
    "stability": Tag(
        "Stability",
        "Stability's v1 text-to-image, billed per delivered image. Генерация изображений "
        "Stability, оплата за каждое выданное изображение.",
        _PROVIDERS,
    ),
    "models": Tag(
        "Models and prices",
        "Every model, its prices, whether it can be called now and its token limits; no key "
        "needed. Все модели, цены, доступность и лимиты токенов; ключ не нужен.",
        _ACCOUNT,
    ),
    "account": Tag(
        "Account",
        "Your balance; free, also at zero. Ваш баланс; бесплатно, даже при нуле.",
        _ACCOUNT,
    ),
    "image library": Tag(
        "Image library",
        "Images generated and kept for you, each user seeing only their own. Ваша "
        "библиотека изображений: каждый видит только свои.",
        _ACCOUNT,
    ),
    "service": Tag("Service", "Whether the service is up. Работает ли сервис.", _SERVICE),
}


def document_tags() -> list[dict[str, str]]:
    """The document's `tags`: each tag's shown name and description."""
    return [{"name": tag.name, "description": tag.description} for tag in TAGS.values()]


def tag_groups() -> list[dict[str, object]]:
    """`x-tagGroups` (read by Redoc): the tags under providers, account and service."""
    groups: dict[str, list[str]] = {}
    for tag in TAGS.values():
        groups.setdefault(tag.group, []).append(tag.name)
    return [{"name": name, "tags": tags} for name, tags in groups.items()]


def tag_name(tag_id: str) -> str:
    """The shown name of a routes module's tag id (the id itself when it has none)."""
    tag = TAGS.get(tag_id)
    return tag.name if tag is not None else tag_id


#: What each error status means, for any operation that can answer it.
ERROR_MEANINGS: dict[str, str] = {
    "400": "bad input, named in `param`; nothing was held or charged",
    "401": "no key, or a wrong username or key",
    "402": "the balance cannot cover the most the call can cost (its hold): lower "
    "`max_tokens` or top up",
    "403": "the account is locked (`Retry-After` when it unlocks by itself)",
    "404": "no such model (or image, or engine): `GET /v1/models` lists the models",
    "408": "the request body did not arrive in time",
    "409": "the same `Idempotency-Key` is still running (the image library: it is full)",
    "413": "the body is over the service's limit",
    "422": "the `Idempotency-Key` was used for a different request",
    "429": "over your rate limit, or the provider's; `Retry-After` says when to retry",
    "502": "the provider failed or answered malformed; nothing was charged",
    "503": "the model's provider is not configured here, or the model has no price; "
    "nothing was charged",
    "504": "the provider did not answer in time; nothing was charged",
}

INTRODUCTION = """\
A paid gateway to AI providers (OpenAI, Anthropic, Google Gemini, Stability and more) for
developers who cannot reach them directly. Programs keep the official SDKs and change only
the base URL and the key.

**Getting a key.** Send `/start` to the service's Telegram bot: it registers you, shows your
API username and key (the key only once) and grants trial credit. `/balance`, `/models`,
`/usage`, `/topup` and `/newkey` do what they say; `/help` shows a first call.

**Sending the key**, any one of: `Authorization: Bearer <key>` (the OpenAI SDK), `x-api-key`
(the Anthropic SDK), `x-goog-api-key` or `?key=` (the Google SDK), or `username` and `key`
fields in the JSON body or form, which are removed before the request goes on.

**Models and prices.** `GET /v1/models` lists every model with its prices (decimal strings
of the currency: per 1M tokens, per image, per minute of audio, per 1M characters), whether
it can be called now and, for chat, its `max_output_tokens` and `context_window`. The
bot's `/models` lists the ones you can call, with their prices.

**What a call costs.** Before the call the service holds the most it can cost: the
prompt's upper bound plus `max_tokens` (the model's `max_output_tokens` when you send none)
at the model's prices; a balance that cannot cover it is 402. After the call it charges
exactly the usage the provider reports and releases the rest. A failed call costs nothing.

**Errors** all have OpenAI's shape, `{"error": {"message", "type", "code", "param"}}`, so
the SDKs raise their usual exceptions; each operation lists the statuses it can answer.

**Examples.** Every operation shows a curl call and a Python one (the official SDK where
there is one). They read the server's address, your username and your key from the
environment: `MYAPI_BASE_URL`, `MYAPI_USERNAME`, `MYAPI_KEY`.

---

Платный шлюз к AI-провайдерам (OpenAI, Anthropic, Google Gemini, Stability и другим) для
разработчиков, у которых нет к ним прямого доступа. Программы остаются на официальных SDK
и меняют только базовый адрес и ключ.

**Ключ.** Отправьте `/start` Telegram-боту сервиса: он зарегистрирует вас, покажет имя
пользователя API и ключ (ключ только один раз) и начислит тестовый баланс. `/balance`,
`/models`, `/usage`, `/topup` и `/newkey` делают то, что написано; `/help` показывает
первый запрос.

**Как передать ключ** (любой способ): `Authorization: Bearer <ключ>` (OpenAI SDK),
`x-api-key` (Anthropic SDK), `x-goog-api-key` или `?key=` (Google SDK), или поля `username`
и `key` в JSON-теле или форме; дальше они не передаются.

**Модели и цены.** `GET /v1/models` перечисляет все модели с ценами (десятичные строки в
валюте сервиса: за 1M токенов, за изображение, за минуту аудио, за 1M символов), их
доступность сейчас и, для чата, `max_output_tokens` и `context_window`. Команда бота
`/models` показывает доступные вам модели с ценами.

**Сколько стоит запрос.** До запроса сервис резервирует максимум, который он может стоить:
верхнюю оценку запроса плюс `max_tokens` (или `max_output_tokens` модели, если его нет) по
ценам модели; если баланса не хватает, ответ 402. После запроса списывается ровно то, что
сообщил провайдер, остальное возвращается. Неудавшийся запрос ничего не стоит.

**Ошибки** всегда в формате OpenAI, `{"error": {"message", "type", "code", "param"}}`,
поэтому SDK выбрасывают привычные исключения; у каждого метода перечислены его коды ответа.

**Примеры.** У каждого метода есть вызов через curl и на Python (через официальный SDK, где
он есть). Адрес сервера, имя и ключ они берут из окружения: `MYAPI_BASE_URL`,
`MYAPI_USERNAME`, `MYAPI_KEY`.
"""
