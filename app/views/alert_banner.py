"""A banner across the top of the console for a call a dispatch rule opened: what, where, which
rule, and what the console did. It stays until dismissed (its button or Ctrl+Shift+K), so an
operator who looked away does not miss it; a newer alert replaces the text. A queued call's
notice is amber and never covers a red alert still showing. Plain text only."""

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
        self.level = ""  # "alert" (red), "notice" (amber) or "" once dismissed
        self._style("#b00020")
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

    def _style(self, background: str) -> None:
        self.setStyleSheet(
            f"#alert_banner {{ background: {background}; }} QLabel {{ color: white; font-weight: bold; }}"
        )

    def alert(self, text: str) -> None:
        self.level = "alert"
        self._style("#b00020")
        self.text.setText(text)
        self.sig_raised.emit()

    def notice(self, text: str) -> None:
        """Less urgent than an alert: amber, and it waits while an alert is still showing."""
        if self.level == "alert" and self.isVisible():
            return
        self.level = "notice"
        self._style("#9a5b00")
        self.text.setText(text)
        self.sig_raised.emit()

    def acknowledge(self) -> None:
        if self.isVisible():
            self.level = ""
            self.sig_dismissed.emit()
