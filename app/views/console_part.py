"""What every controller of the console's window shares: it lives as long as the window (its Qt
parent), passing messages go to the window's status bar and failures to a warning box over it.
A part is given what it works with (the session, the task runner, the widgets it drives) in its
constructor; it never reaches through the window for another part."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMainWindow

from app.views.errors import show_error


class ConsolePart(QObject):
    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self._window = window

    def _say(self, text: str, ms: int = 5000) -> None:
        self._window.statusBar().showMessage(text, ms)

    def _error(self, title: str, exc: BaseException) -> None:
        show_error(self._window, title, exc)
