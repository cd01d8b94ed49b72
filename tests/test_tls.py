"""Optional TLS: with TLS_CERT_FILE and TLS_KEY_FILE the API serves HTTPS, and only HTTPS.

The certificate is made in the test (self-signed, for 127.0.0.1) and the client verifies
against exactly it, so a passing test means a real, verifiable TLS handshake.
"""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import ValidationError

from api.settings import Settings
from storage import AccessPolicy, open_storage
from tests.process import free_port, running_service, service_env


def _self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "myapi test")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


async def _register(database_url: str) -> str:
    policy = AccessPolicy(lock_strikes=5, lock_seconds=60)
    storage = await open_storage(database_url, policy, lambda: 1_800_000_000)
    try:
        registration = await storage.accounts.register_telegram_user(1, "ann", 10**6, "en")
    finally:
        await storage.close()
    assert registration.secret is not None
    return registration.secret


async def test_the_api_serves_https_only_when_tls_is_configured(tmp_path: Path) -> None:
    cert_path, key_path = _self_signed(tmp_path)
    database_url = f"sqlite:///{tmp_path / 'tls.db'}"
    key = await _register(database_url)
    trust = ssl.create_default_context(cafile=str(cert_path))
    env = service_env(
        DATABASE_URL=database_url, TLS_CERT_FILE=str(cert_path), TLS_KEY_FILE=str(key_path)
    )
    port = free_port()
    async with running_service(tmp_path, env, port=port, scheme="https", verify=trust) as service:
        async with httpx.AsyncClient(verify=trust) as client:
            assert (await client.get(f"{service.base_url}/health")).status_code == 200
            body = {"model": "echo", "messages": [{"role": "user", "content": "over TLS"}]}
            response = await client.post(
                f"{service.base_url}/v1/chat/completions",
                json=body,
                headers={"Authorization": f"Bearer {key}"},
            )
        assert response.status_code == 200
        assert "over TLS" in response.text
        assert int(response.headers["X-Myapi-Cost-Units"]) > 0
        async with httpx.AsyncClient() as plain:
            with pytest.raises(httpx.TransportError):
                await plain.get(f"http://127.0.0.1:{port}/health", timeout=5)


def test_tls_needs_both_the_certificate_and_the_key(tmp_path: Path) -> None:
    cert_path, _ = _self_signed(tmp_path)
    with pytest.raises(ValidationError, match="TLS_KEY_FILE"):
        Settings(tls_cert_file=cert_path)
