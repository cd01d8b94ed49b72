"""The deployment recipe in deploy/: what the files say, checked without Docker, and the
image built and run where a Docker daemon and Docker Hub are at hand (skipped, with the
reason, where they are not: a missing Docker never fails the suite)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

yaml = pytest.importorskip("yaml", reason="PyYAML (a dependency of schemathesis) is missing")

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
REPLICAS = ("api-1", "api-2")
BASE_IMAGE = "python:3.11-slim"
#: What compose needs from deploy/.env to interpolate the file.
COMPOSE_VARIABLES = {"MYAPI_DOMAIN": "api.example.test", "POSTGRES_PASSWORD": "test-only"}


_VARIABLE = re.compile(r"\$\{(\w+)(?::([?-])([^}]*))?\}")


def interpolated(node: Any, variables: dict[str, str]) -> Any:
    """Compose's `${NAME}`, `${NAME:-default}` and `${NAME:?error}` in every string of the
    parsed file, as compose applies them (after parsing: a value stays a string; an unset
    required one fails, as `docker compose` does)."""

    def value(match: re.Match[str]) -> str:
        name, kind, rest = match.groups()
        if variables.get(name):
            return variables[name]
        assert kind != "?", f"{name} is required: {rest}"
        return rest if kind == "-" else ""

    if isinstance(node, str):
        return _VARIABLE.sub(value, node)
    if isinstance(node, dict):
        return {key: interpolated(item, variables) for key, item in node.items()}
    if isinstance(node, list):
        return [interpolated(item, variables) for item in node]
    return node


def compose(variables: dict[str, str] | None = None) -> dict[str, Any]:
    """The compose file as compose sees it with deploy/.env's `variables`."""
    loaded = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert isinstance(loaded, dict)
    result = interpolated(loaded, variables or COMPOSE_VARIABLES)
    assert isinstance(result, dict)
    return result


def caddy_blocks(text: str) -> dict[str, list[str]]:
    """Each `handle ...` block of the Caddyfile: its matcher, and the lines inside it."""
    blocks: dict[str, list[str]] = {}
    lines = [line.split("#", 1)[0].strip() for line in text.splitlines()]
    for index, line in enumerate(lines):
        if line.startswith("handle") and line.endswith("{"):
            matcher = line.removeprefix("handle").removesuffix("{").strip()
            depth, body = 1, []
            for inner in lines[index + 1 :]:
                depth += inner.count("{") - inner.count("}")
                if depth == 0:
                    break
                body.append(inner)
            blocks[matcher] = body
    return blocks


def test_compose_runs_two_replicas_of_the_image_on_postgresql() -> None:
    services = compose()["services"]
    assert set(services) == {"postgres", *REPLICAS, "caddy"}
    for name in REPLICAS:
        replica = services[name]
        assert replica["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
        environment = replica["environment"]
        database = urlsplit(environment["DATABASE_URL"])
        assert (database.scheme, database.hostname, database.port) == (
            "postgresql",
            "postgres",
            5432,
        )
        assert database.password == COMPOSE_VARIABLES["POSTGRES_PASSWORD"]
        assert environment["BOT_MODE"] == "webhook"
        assert environment["WEBHOOK_URL"] == "https://api.example.test/telegram/webhook"
        assert environment["API_HOST"] == "0.0.0.0"  # noqa: S104 - inside its container
        assert replica["depends_on"] == {"postgres": {"condition": "service_healthy"}}
        assert replica["volumes"] == [f"{name}-data:/home/myapi/data"]  # its own journal
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])


def test_deploy_env_chooses_the_bot_mode_and_must_name_the_domain_and_password() -> None:
    services = compose({**COMPOSE_VARIABLES, "BOT_MODE": "off"})["services"]
    assert {services[name]["environment"]["BOT_MODE"] for name in REPLICAS} == {"off"}
    for missing in COMPOSE_VARIABLES:
        variables = {k: v for k, v in COMPOSE_VARIABLES.items() if k != missing}
        with pytest.raises(AssertionError, match=f"{missing} is required"):
            compose(variables)


def test_caddy_terminates_tls_and_routes_the_api_and_the_webhook_to_both_replicas() -> None:
    services = compose()["services"]
    caddy = services["caddy"]
    assert "443:443" in caddy["ports"]
    assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in caddy["volumes"]
    assert (
        caddy["networks"]["internal"]["ipv4_address"]
        == (services["api-1"]["environment"]["TRUSTED_PROXIES"])
    )
    webhook_path = urlsplit(services["api-1"]["environment"]["WEBHOOK_URL"]).path
    text = (DEPLOY / "Caddyfile").read_text()
    assert re.search(r"^\{\$MYAPI_DOMAIN\} \{", text, re.MULTILINE)  # automatic HTTPS
    blocks = caddy_blocks(text)
    assert set(blocks) == {webhook_path, ""}
    for body in blocks.values():
        [proxy] = [line for line in body if line.startswith("reverse_proxy")]
        assert proxy.split()[1:3] == [f"{name}:8080" for name in REPLICAS]
        assert not any(line.startswith(("health_uri", "unhealthy_status")) for line in body)


def test_the_dockerfile_installs_the_project_without_dev_extras_and_runs_myapi() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    instructions = [line for line in text.splitlines() if line and not line.startswith("#")]
    stages = [line.split()[1] for line in instructions if line.startswith("FROM ")]
    assert stages == [BASE_IMAGE, BASE_IMAGE]
    assert "[dev]" not in text
    copied = {line.split()[1] for line in instructions if line.startswith("COPY ")}
    assert copied == {"pyproject.toml", "api", "bot", "providers", "storage"}
    [user] = [line.split()[1] for line in instructions if line.startswith("USER ")]
    assert user not in ("root", "0")
    assert re.search(r"^HEALTHCHECK .*\n.*/health", text, re.MULTILINE)
    assert 'ENTRYPOINT ["myapi"]' in instructions


def docker_unavailable_reason() -> str | None:
    """Why no image can be built here, or None when Docker and its base image are at hand."""
    if shutil.which("docker") is None:
        return "the docker command is not installed"
    info = _docker("info")
    if info.returncode != 0:
        return f"no Docker daemon answers: {info.stderr.strip()[:200]}"
    if _docker("image", "inspect", BASE_IMAGE).returncode == 0:
        return None
    pulled = _docker("pull", BASE_IMAGE, timeout=300)
    if pulled.returncode != 0:
        return f"cannot get {BASE_IMAGE} from Docker Hub: {pulled.stderr.strip()[:200]}"
    return None


def _docker(
    *args: str, timeout: float = 60, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    docker = shutil.which("docker")
    assert docker is not None
    return subprocess.run(
        [docker, *args], capture_output=True, text=True, timeout=timeout, check=False, env=env
    )


def test_docker_compose_accepts_the_file() -> None:
    if shutil.which("docker") is None or _docker("compose", "version").returncode != 0:
        pytest.skip("docker compose is not installed here; the YAML is checked above")
    compose_file = str(DEPLOY / "compose.yaml")
    environment = {**os.environ, **COMPOSE_VARIABLES}
    checked = _docker("compose", "-f", compose_file, "config", "--quiet", env=environment)
    assert checked.returncode == 0, checked.stderr


def test_the_image_builds_runs_myapi_as_a_user_and_checks_its_health() -> None:
    reason = docker_unavailable_reason()
    if reason is not None:
        pytest.skip(f"the image is not built here: {reason}")
    tag = "myapi-deploy-test:latest"
    built = _docker("build", "-f", str(DEPLOY / "Dockerfile"), "-t", tag, str(ROOT), timeout=1800)
    assert built.returncode == 0, built.stderr[-2000:]
    usage = _docker("run", "--rm", tag, "--help")
    assert usage.returncode == 0
    assert "backup" in usage.stdout
    inspected = _docker(
        "image", "inspect", "--format", "{{.Config.User}} {{.Config.Healthcheck.Test}}", tag
    )
    assert inspected.stdout.startswith("myapi ")
    assert "/health" in inspected.stdout
