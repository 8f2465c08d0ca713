"""A banner across the top of the console for a call a dispatch rule opened: what, where, which
rule, and what the console did. It stays until dismissed (its button or Ctrl+Shift+K), so an
operator who looked away does not miss it; a newer alert replaces the text. Plain text only."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from app.views.plain import plain_label


class AlertBanner(QWidget):
    """Lives in a tool bar: the bar is what is shown and hidden (a widget inside a QToolBar
    ignores its own show() and hide()). Emits ``sig_raised`` and ``sig_dismissed``."""

    sig_raised = Signal()
    sig_dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alert_banner")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        # Red across the room in either theme: the one thing on screen that must be read now.
        self.setStyleSheet(
            "#alert_banner { background: #b00020; } QLabel { color: white; font-weight: bold; }"
        )
        self.text = plain_label("", self)
        self.text.setObjectName("alert_text")
        self.text.setWordWrap(True)
        self.dismiss = QPushButton("Dismiss (Ctrl+Shift+K)", self)
        self.dismiss.setObjectName("alert_dismiss")
        self.dismiss.clicked.connect(self.acknowledge)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.dismiss)

    def alert(self, text: str) -> None:
        self.text.setText(text)
        self.sig_raised.emit()

    def acknowledge(self) -> None:
        if self.isVisible():
            self.sig_dismissed.emit()
