"""The suite's own rules: CI never goes green without PostgreSQL, nor on a suite that ran
no test at all.

Both are cheap to check for real: PostgreSQL is asked at a loopback port where nothing
listens, and CI's script runs over stand-ins for the tools, so only its exit status matters.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.databases import require_postgres

NOBODY_LISTENS = "postgresql://postgres@127.0.0.1:1/test"
ROOT = Path(__file__).resolve().parent.parent


def _verdict(environ: dict[str, str]) -> tuple[type[BaseException], str]:
    """What a PostgreSQL test's set-up does without PostgreSQL (caught, not let through:
    a skip escaping here would only skip this test, whatever it should have been)."""
    try:
        require_postgres(NOBODY_LISTENS, environ)
    except (pytest.skip.Exception, pytest.fail.Exception) as outcome:
        return type(outcome), str(outcome)
    raise AssertionError("a PostgreSQL where nothing listens was taken for a live one")


@pytest.mark.parametrize("value", ["", "false", "0"])
def test_without_postgres_a_local_run_skips_with_the_reason(value: str) -> None:
    environ = {"CI": value} if value else {}
    outcome, reason = _verdict(environ)
    assert outcome is pytest.skip.Exception
    assert "PostgreSQL is not reachable" in reason


@pytest.mark.parametrize("value", ["true", "True", "1"])
def test_without_postgres_ci_fails_with_the_reason(value: str) -> None:
    outcome, reason = _verdict({"CI": value})
    assert outcome is pytest.fail.Exception
    assert "PostgreSQL is not reachable" in reason


def _ci_checkout(tmp_path: Path, pytest_status: int, ruff_status: int = 0) -> Path:
    """CI's own scripts in a copy of the project whose virtualenv is already "installed"
    (the stamp scripts/venv.sh looks for) and whose tools only exit with a status."""
    for script in (".ci/run", "scripts/test", "scripts/venv.sh", "pyproject.toml"):
        (tmp_path / script).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / script, tmp_path / script)
    tools = tmp_path / ".venv" / "bin"
    tools.mkdir(parents=True)
    for tool, status in (("python", pytest_status), ("ruff", ruff_status), ("mypy", 0)):
        (tools / tool).write_text(f"#!/bin/sh\nexit {status}\n")
        (tools / tool).chmod(0o755)
    digest = hashlib.sha256((tmp_path / "pyproject.toml").read_bytes()).hexdigest()[:16]
    (tmp_path / ".venv" / f".installed-{digest}-dev").touch()
    return tmp_path / ".ci" / "run"


@pytest.mark.parametrize(
    ("pytest_status", "ruff_status", "ci_status"),
    [(0, 0, 0), (5, 0, 5), (1, 0, 1), (0, 1, 1)],
    ids=["all-green", "no-tests-ran", "a-test-failed", "lint-failed"],
)
def test_ci_fails_unless_every_check_passes_and_some_test_ran(
    tmp_path: Path, pytest_status: int, ruff_status: int, ci_status: int
) -> None:
    run = _ci_checkout(tmp_path, pytest_status, ruff_status)
    finished = subprocess.run([run], capture_output=True, timeout=30, check=False)
    assert finished.returncode == ci_status, finished.stderr
