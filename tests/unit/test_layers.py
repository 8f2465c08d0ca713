"""The core never imports Qt or the views (napari's import contract, as a test)."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
QT_ALLOWED = {"views", "bench", "main.py", "cli.py"}


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_modules_do_not_import_qt_or_views() -> None:
    offenders = []
    for path in APP.rglob("*.py"):
        rel = path.relative_to(APP)
        if rel.parts[0] in QT_ALLOWED:
            continue
        for name in imported_modules(path):
            if name.split(".")[0] in ("PySide6", "PyQt6") or name.startswith("app.views"):
                offenders.append(f"{rel}: {name}")
    assert offenders == []
