"""An extra wall window, full screen on a chosen monitor."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QKeySequence, QScreen, QShortcut
from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.registry.service import CameraRow
from app.video.vlc_player import VlcEngine
from app.views.wall.wall import VideoWall


def screen_named(name: str) -> QScreen:
    """The screen with that name, or the primary one when it is gone (a monitor unplugged)."""
    for screen in QGuiApplication.screens():
        if screen.name() == name:
            return screen
    primary = QGuiApplication.primaryScreen()
    assert primary is not None
    return primary


class WallWindow(QWidget):
    """Signals: ``sig_closed(window)``."""

    sig_closed = Signal(object)

    def __init__(self, engine: VlcEngine, url_for: Callable[[CameraRow, str], str],
                 camera_by_id: Callable[[int], CameraRow | None]) -> None:  # fmt: skip
        super().__init__(None, Qt.WindowType.Window)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.wall = VideoWall(engine, url_for, camera_by_id, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.wall)
        self.screen_name = ""
        next_screen = QShortcut(QKeySequence("Ctrl+Shift+Right"), self)
        next_screen.activated.connect(self.move_to_next_screen)
        for n in range(1, 7):
            shortcut = QShortcut(QKeySequence(f"Ctrl+{n}"), self)
            shortcut.activated.connect(lambda n=n: self.wall.set_layout(f"{n}x{n}"))

    def place_on(self, screen: QScreen) -> None:
        self.screen_name = screen.name()
        self.setWindowTitle(f"RTCC wall — {screen.name()}")
        self.setScreen(screen)
        self.setGeometry(screen.geometry())
        self.showFullScreen()

    def move_to_next_screen(self) -> None:
        screens = QGuiApplication.screens()
        names = [s.name() for s in screens]
        index = (names.index(self.screen_name) + 1) % len(screens) if self.screen_name in names else 0
        self.place_on(screens[index])

    def closeEvent(self, event: QCloseEvent) -> None:
        self.wall.release()
        self.sig_closed.emit(self)
        super().closeEvent(event)
