"""The API application without the bot: what route tests build and what the service mounts."""

from __future__ import annotations

from aiohttp import web

from api.context import CONTEXT, ApiContext
from api.errors import BODY_LIMIT, BODY_TIMEOUT, create_error_middleware
from api.library.routes import add_library_routes
from api.relay import DEFAULT_STREAM_DRAIN_SECONDS, STREAM_DRAIN
from api.routes import account, anthropic, audio, chat, docs, embeddings, images, models
from api.routes.google import gemini_models
from api.routes.stability import text_to_image
from api.uploads import AUDIO_BODY_LIMIT, DEFAULT_MAX_AUDIO_BYTES


def create_api_app(
    context: ApiContext | None,
    *,
    max_body_bytes: int,
    max_audio_bytes: int = DEFAULT_MAX_AUDIO_BYTES,
    body_read_seconds: float = 30.0,
    stream_drain_seconds: float = DEFAULT_STREAM_DRAIN_SECONDS,
) -> web.Application:
    """Build the app; `context` may be given later (by a cleanup_ctx) but before serving."""
    app = web.Application(middlewares=[create_error_middleware()], client_max_size=max_body_bytes)
    app[BODY_LIMIT] = max_body_bytes
    app[BODY_TIMEOUT] = body_read_seconds
    app[AUDIO_BODY_LIMIT] = max_audio_bytes
    app[STREAM_DRAIN] = stream_drain_seconds
    if context is not None:
        app[CONTEXT] = context
    router = app.router
    router.add_get("/health", account.health)
    router.add_get("/openapi.json", docs.openapi_json)
    router.add_get("/docs", docs.docs_page)
    router.add_get("/v1/balance", account.balance_get)
    router.add_post("/v1/balance", account.balance_post)
    router.add_get("/proxyapi/balance", account.balance_get)
    router.add_get("/v1/models", models.list_models)
    router.add_post("/v1/chat/completions", chat.chat_completions)
    router.add_post("/openai/v1/chat/completions", chat.chat_completions)
    router.add_post("/anthropic/v1/messages", anthropic.messages)
    router.add_post("/google/{version}/models/{model_and_method}", gemini_models)
    router.add_post("/stability/v1/generation/{engine_id}/text-to-image", text_to_image)
    for prefix in ("/v1", "/openai/v1"):
        router.add_post(f"{prefix}/embeddings", embeddings.create_embeddings)
        router.add_post(f"{prefix}/images/generations", images.create_image)
        router.add_post(f"{prefix}/audio/speech", audio.create_speech)
        router.add_post(f"{prefix}/audio/transcriptions", audio.create_transcription)
        router.add_post(f"{prefix}/audio/translations", audio.create_translation)
    add_library_routes(router)
    return app
