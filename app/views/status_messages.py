"""Passing messages in a status bar, never cut off and never lost.

A status bar draws its passing message in whatever room its permanent widgets leave, and cuts
it there: the console's said "Incident 26-0412 open again: its 4 camera(s) and 2 oth". Here a
message that does not fit is elided with "…" and shown whole in the bar's tooltip, and every
message is kept, with its time, in a log the person can read again (View → Recent messages,
Ctrl+Shift+M, or a click on the message).
"""

from __future__ import annotations

import time
from collections import deque
from datetime import datetime

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QListWidget, QStatusBar, QVBoxLayout, QWidget

from app.views.plain import plain_tooltip

KEEP = 300  # messages kept in the log


class MessageLogBar(QStatusBar):
    """A status bar whose passing messages are elided to fit, whole in the tooltip, and logged.

    Signals: ``sig_open_log()`` the person clicked the message to read the log."""

    sig_open_log = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.log: deque[tuple[datetime, str]] = deque(maxlen=KEEP)
        self._full = ""
        self._until: float | None = None  # when the message showing times out (monotonic)
        self._permanent: list[QWidget] = []
        self.messageChanged.connect(self._changed)

    def showMessage(self, text: str, timeout: int | None = 0) -> None:
        """Show ``text`` (elided to the room left by the permanent widgets), log it whole."""
        text = " ".join(text.split())  # one line: a newline would be drawn as nothing
        self._full = text
        self._until = time.monotonic() + timeout / 1000 if timeout else None
        if text:
            self.log.append((datetime.now().astimezone(), text))
        super().showMessage(self._elided(text), timeout or 0)
        self.setToolTip(plain_tooltip(text) if text else "")

    def currentMessage(self) -> str:
        """The message as it was given (what shows may be elided)."""
        return self._full if super().currentMessage() else ""

    def event(self, e: QEvent) -> bool:
        """The room changed (a permanent widget shown or hidden, the window resized): elide the
        message showing again for it (it was cut off when "Queued calls" appeared after it)."""
        handled = super().event(e)
        if e.type() in (QEvent.Type.LayoutRequest, QEvent.Type.Resize) and self._full:
            shown, fits = QStatusBar.currentMessage(self), self._elided(self._full)
            if shown and fits != shown:
                left = None if self._until is None else int((self._until - time.monotonic()) * 1000)
                if left is None or left > 0:
                    super().showMessage(fits, left or 0)
        return handled

    def _changed(self, shown: str) -> None:
        if not shown:  # timed out or cleared
            self._full = ""
            self.setToolTip("")

    def addPermanentWidget(self, widget: QWidget, stretch: int | None = 0) -> None:
        self._permanent.append(widget)
        super().addPermanentWidget(widget, stretch or 0)

    def _room(self) -> int:
        """The width the bar leaves for its passing message, left of its permanent widgets."""
        used = sum(max(w.width(), w.sizeHint().width()) + 8 for w in self._permanent if w.isVisible())
        return max(80, self.width() - used - 28)

    def _elided(self, text: str) -> str:
        return self.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, self._room())

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and event.position().x() < self._room():
            self.sig_open_log.emit()
        super().mousePressEvent(event)


class MessageLogDialog(QDialog):
    """The messages this window showed, newest first, as plain text."""

    def __init__(self, bar: MessageLogBar, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Recent messages")
        self.setMinimumSize(900, 420)
        self.list = QListWidget(self)
        self.list.setObjectName("message_log")
        self.list.setWordWrap(True)
        for at, text in reversed(bar.log):
            self.list.addItem(f"{at:%H:%M:%S}  {text}")  # a list item draws plain text only
        if not bar.log:
            self.list.addItem("No messages yet.")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, parent=self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list)
        layout.addWidget(buttons)


def open_message_log(parent: QWidget, bar: MessageLogBar) -> MessageLogDialog:
    dialog = MessageLogDialog(bar, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
