"""An extra wall window, full screen on a chosen monitor."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence, QScreen
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.models.rows import CameraRow
from app.video.vlc_player import VlcEngine
from app.views.shortcuts import ShortcutsDialog
from app.views.tasks import TaskManager
from app.views.wall.tile import UrlFor
from app.views.wall.wall import VideoWall


def screen_named(name: str) -> QScreen:
    """The screen with that name, or the primary one when it is gone (a monitor unplugged)."""
    for screen in QGuiApplication.screens():
        if screen.name() == name:
            return screen
    primary = QGuiApplication.primaryScreen()
    assert primary is not None
    return primary


WALL_LAYOUTS = [(f"{n}x{n}", f"Layout {n}x{n}", f"Ctrl+{n}") for n in range(1, 7)] + [
    ("1+5", "Layout 1 large + 5", "Ctrl+7"),
    ("1+7", "Layout 1 large + 7", "Ctrl+8"),
    ("1+12", "Layout 1 large + 12", "Ctrl+9"),
]


class WallWindow(QWidget):
    """A wall of its own: full screen on a monitor the console is not on, a normal window beside
    the console on a one-monitor workstation (it must never cover the console unasked). Escape
    leaves full screen, F11 enters it, F1 lists the keys.

    Signals: ``sig_closed(window)``."""

    sig_closed = Signal(object)

    def __init__(self, engine: VlcEngine, url_for: UrlFor,
                 camera_by_id: Callable[[int], CameraRow | None]) -> None:  # fmt: skip
        super().__init__(None, Qt.WindowType.Window)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.wall = VideoWall(engine, url_for, camera_by_id, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.wall)
        self.screen_name = ""
        self._lock_note: QLabel | None = None
        # Set by the console that opens it: its tiles run their work on the console's pool.
        self.task_manager: TaskManager | None = None
        self.actions_by_name: dict[str, QAction] = {}
        for name, text, keys in WALL_LAYOUTS:
            self._action(f"layout_{name}", text, keys, partial(self.wall.set_layout, name))
        self._action("next_screen", "Move to the next monitor", "Ctrl+Shift+Right", self.move_to_next_screen)
        self._action("full_screen", "Full screen", "F11", self.enter_full_screen)
        self._action("leave_full_screen", "Leave full screen", "Escape", self.leave_full_screen)
        self._action("retry_tile", "Retry the selected tile", "Shift+F5", partial(self.wall.retry_tile, None))
        self._action("help", "Keyboard shortcuts", "F1", self.show_shortcuts)

    def set_locked(self, locked: bool) -> None:
        """While the console is locked the wall goes on playing, for the room, and says so."""
        if locked:
            if self._lock_note is None:
                self._lock_note = QLabel("Console locked: this wall only shows video", self)
                self._lock_note.setObjectName("wall_locked")
                self._lock_note.setStyleSheet("background: #101216; color: #e0a000; padding: 4px 10px;")
                self._lock_note.setAttribute(Qt.WidgetAttribute.WA_NativeWindow)  # above libVLC's surfaces
            self._lock_note.adjustSize()
            self._lock_note.move(8, 8)
            self._lock_note.show()
            self._lock_note.raise_()
        elif self._lock_note is not None:
            self._lock_note.hide()

    @property
    def locked(self) -> bool:
        return self._lock_note is not None and self._lock_note.isVisible()

    def _action(self, name: str, text: str, keys: str, slot: Callable[[], object]) -> None:
        action = QAction(text, self)
        action.setObjectName(f"wall_window_{name}")
        action.setShortcut(QKeySequence(keys))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        self.actions_by_name[name] = action

    def place_on(self, screen: QScreen, console_screen: QScreen | None = None) -> None:
        """Full screen on ``screen``, unless the console is on that screen too: then a normal
        window over two thirds of it, so the console stays in reach."""
        self.screen_name = screen.name()
        self.setWindowTitle(f"RTCC wall — {screen.name()}")
        self.setScreen(screen)
        area = screen.availableGeometry()
        if console_screen is not None and console_screen.name() == screen.name():
            self.showNormal()
            self.setGeometry(area.x() + area.width() // 3, area.y() + 40, area.width() * 2 // 3,
                             area.height() * 2 // 3)  # fmt: skip
            self.show()
        else:
            self.setGeometry(screen.geometry())
            self.showFullScreen()

    def enter_full_screen(self) -> None:
        self.showFullScreen()

    def leave_full_screen(self) -> None:
        if self.isFullScreen():
            self.showNormal()
            area = self.screen().availableGeometry()
            self.setGeometry(area.x() + area.width() // 3, area.y() + 40, area.width() * 2 // 3,
                             area.height() * 2 // 3)  # fmt: skip

    def show_shortcuts(self) -> None:
        ShortcutsDialog(list(self.actions_by_name.values()), self).exec()

    def move_to_next_screen(self) -> None:
        screens = QGuiApplication.screens()
        names = [s.name() for s in screens]
        index = (names.index(self.screen_name) + 1) % len(screens) if self.screen_name in names else 0
        self.place_on(screens[index])

    def closeEvent(self, event: QCloseEvent) -> None:
        self.wall.release()
        self.sig_closed.emit(self)
        super().closeEvent(event)
