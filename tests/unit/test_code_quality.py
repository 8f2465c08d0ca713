"""ruff and mypy stay clean, so the style rules in pyproject.toml are enforced by CI."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_ruff_lint_and_format() -> None:
    lint = run("ruff", "check", "app", "tests")
    assert lint.returncode == 0, lint.stdout
    fmt = run("ruff", "format", "--check", "app", "tests")
    assert fmt.returncode == 0, fmt.stdout


def test_mypy() -> None:
    result = run("mypy", "app")
    assert result.returncode == 0, result.stdout


def test_test_modules_never_import_each_other() -> None:
    """Shared fixtures and helpers live in conftest.py and tests/helpers: a test module imported
    by another runs its module-level code twice and ties unrelated tests together."""
    importing = re.compile(r"^\s*(from|import)\s+tests\.(unit|gui|e2e)\.test_\w+", re.MULTILINE)
    modules = (ROOT / "tests").rglob("*.py")
    offenders = [str(p.relative_to(ROOT)) for p in modules if importing.search(p.read_text())]
    assert offenders == []
