"""What every controller of the console's window shares: it lives as long as the window (its Qt
parent), and passing messages go to the window's status bar."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

if TYPE_CHECKING:
    from app.views.main_window import MainWindow


class ConsolePart(QObject):
    def __init__(self, console: MainWindow) -> None:
        super().__init__(console)
        self.console = console

    def _say(self, text: str, ms: int = 5000) -> None:
        self.console.statusBar().showMessage(text, ms)
