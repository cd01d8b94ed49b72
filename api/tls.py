"""The server's TLS context, when TLS_CERT_FILE and TLS_KEY_FILE are set.

Built from `ssl.create_default_context(Purpose.CLIENT_AUTH)`, never a bare `SSLContext()`:
the default context carries the library's vetted protocol floor and cipher choice, so
serving HTTPS directly is no weaker than behind a typical reverse proxy.
"""

from __future__ import annotations

import ssl

from api.settings import Settings


def server_ssl_context(settings: Settings) -> ssl.SSLContext | None:
    """The context `run_app` serves with, or None for plain HTTP (the settings' choice).

    A certificate and key that do not load stop the start-up here, before the port opens,
    rather than at the first client's handshake.
    """
    if settings.tls_cert_file is None or settings.tls_key_file is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(settings.tls_cert_file, settings.tls_key_file)
    return context
