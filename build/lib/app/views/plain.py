"""The one way views show text that comes from outside the program: plain, never interpreted.

Camera names, owners' names and contacts, notes, incident numbers and types, case numbers,
refusal reasons and error messages can hold anything an owner or a caller typed. Qt guesses
"rich text" from the first tag it sees (``Qt::mightBeRichText``) in labels, tooltips and message
boxes, and then draws markup: an owner's ``<img src=file:///...>`` drew a local file over the wall.
So every such text goes through here: labels and message boxes are set to plain text, and
tooltips (which have no format switch) carry the text HTML-escaped inside markup of our own.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget


def plain_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    """A label that shows ``text`` literally, whatever it contains."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    return label


def plain_tooltip(text: str) -> str:
    """A tooltip string that Qt shows literally (line breaks kept): escaped inside our own markup."""
    if not text:
        return ""
    return "<p style='white-space:pre-wrap'>" + html.escape(text) + "</p>"


def show_message(parent: QWidget | None, title: str, text: str, *, warning: bool = False) -> None:
    """A modal message box whose text is plain (``QMessageBox.warning`` guesses rich text)."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning if warning else QMessageBox.Icon.Information)
    box.setWindowTitle(title)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(text)
    box.exec()
