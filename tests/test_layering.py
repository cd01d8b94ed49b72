"""The dependency direction of DESIGN.md, checked over the imports (ast)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT = {"api", "bot", "storage", "providers"}
ALLOWED = {
    "storage": {"storage"},
    "providers": {"providers"},
    "bot": {"bot", "storage"},
    "api": PROJECT,
}


def imported_packages(package: str) -> set[str]:
    found: set[str] = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    return found & PROJECT


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_what_it_may(package: str) -> None:
    assert imported_packages(package) <= ALLOWED[package]


def test_the_check_sees_imports_at_all() -> None:
    assert "storage" in imported_packages("api")


def test_the_api_alone_never_imports_aiogram() -> None:
    """An API-only service must not pay aiogram's start-up time and memory."""
    code = "import sys, api.__main__; assert 'aiogram' not in sys.modules, 'aiogram imported'"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
