"""The manual's table of the console's keyboard shortcuts is generated from the menus' own table
(what F1 shows), so it cannot drift: the manual lacked Ctrl+O, Ctrl+Shift+K and Ctrl+R.
``RTCC_WRITE_DOCS=1`` rewrites it."""

from __future__ import annotations

import os
from pathlib import Path

from pytestqt.qtbot import QtBot

from app.views.shortcuts import markdown_table, shortcut_rows

MANUAL = Path(__file__).resolve().parents[2] / "docs" / "manual.md"
BEGIN = "<!-- generated from the console's menus by tests/gui/test_shortcut_table.py: do not edit -->\n"
END = "<!-- end of the generated table -->\n"


def test_the_manuals_shortcut_table_is_the_consoles(make_window, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]
    window = make_window(with_wall=True)
    table = markdown_table(shortcut_rows(window.actions_list, native=False))
    text = MANUAL.read_text(encoding="utf-8")
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    if os.environ.get("RTCC_WRITE_DOCS") == "1":
        MANUAL.write_text(text[:start] + table + text[end:], encoding="utf-8")
        text = MANUAL.read_text(encoding="utf-8")
        start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    assert text[start:end] == table, "run RTCC_WRITE_DOCS=1 pytest tests/gui/test_shortcut_table.py"
    for keys in ("Ctrl+O", "Ctrl+Shift+K", "Ctrl+R", "Ctrl+Shift+C"):
        assert f"| {keys} |" in table
