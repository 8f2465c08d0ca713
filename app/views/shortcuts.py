"""The help overlay: every keyboard shortcut the window offers, read from its actions."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget


def shortcut_rows(actions: list[QAction], native: bool = True) -> list[tuple[str, str]]:
    """(keys, what they do) for every action with a shortcut, in menu order: what F1 shows and
    what the manual's table is generated from (tests/gui/test_shortcut_table.py)."""
    form = QKeySequence.SequenceFormat.NativeText if native else QKeySequence.SequenceFormat.PortableText
    rows = []
    for action in actions:
        keys = action.shortcut().toString(form)
        if keys:
            rows.append((keys, action.text().replace("&", "").rstrip(".…")))
    return rows


def markdown_table(rows: list[tuple[str, str]]) -> str:
    lines = ["| Keys | Action |", "|------|--------|"]
    lines += [f"| {keys} | {text.replace('|', '/')} |" for keys, text in rows]
    return "\n".join(lines) + "\n"


class ShortcutsDialog(QDialog):
    def __init__(self, actions: list[QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        cell = "<td style='padding:4px 18px 4px 0'>"
        rows = [
            f"<tr>{cell}<b>{html.escape(keys)}</b></td><td>{html.escape(text)}</td></tr>"
            for keys, text in shortcut_rows(actions)
        ]
        label = QLabel("<table>" + "".join(rows) + "</table>", self)
        label.setObjectName("shortcut_table")
        font = label.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        label.setFont(font)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, parent=self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(buttons)


def open_shortcuts(parent: QWidget, actions: list[QAction]) -> ShortcutsDialog:
    dialog = ShortcutsDialog(actions, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
