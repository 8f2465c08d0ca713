"""Choosing the monitors that get a wall window, and the menu of wall windows open.

Ctrl+Shift+W asks which monitors (several at once, one window each; a monitor that already has
one is marked and unticked), or on a machine with one monitor opens one there. Pressed again
with a window already on every chosen monitor, it raises those instead of stacking another
(each press opened one more small window over the map). Wall → Wall windows lists the open
ones: raise, full screen or not, the next monitor, close.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QVBoxLayout,
    QWidget,
)

from app.views.plain import plain_label
from app.views.wall.window import WallWindow


class MonitorChoice(QDialog):
    """Tick the monitors that get a wall window."""

    def __init__(
        self, names: list[str], taken: set[str], console: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("New wall windows")
        self.list = QListWidget(self)
        self.list.setObjectName("wall_monitors")
        for name in names:
            marks = (("has a wall window", name in taken), ("the console is here", name == console))
            notes = [note for note, yes in marks if yes]
            item = QListWidgetItem(name + (f"  ({'; '.join(notes)})" if notes else ""))
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            fresh = name not in taken and name != console
            item.setCheckState(Qt.CheckState.Checked if fresh else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        ok, cancel = QDialogButtonBox.StandardButton.Ok, QDialogButtonBox.StandardButton.Cancel
        buttons = QDialogButtonBox(ok | cancel, parent=self)
        buttons.button(ok).setText("Open")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label("One wall window, full screen, on each monitor ticked:", self))
        layout.addWidget(self.list)
        layout.addWidget(buttons)

    def chosen(self) -> list[str]:
        items = [self.list.item(i) for i in range(self.list.count())]
        return [
            str(i.data(Qt.ItemDataRole.UserRole)) for i in items if i.checkState() == Qt.CheckState.Checked
        ]


def fill_windows_menu(menu: QMenu, windows: list[WallWindow], close: Callable[[WallWindow], None]) -> None:
    """The wall windows open now, each with what can be done to it (rebuilt each time it opens)."""
    menu.clear()
    if not windows:
        menu.addAction("No wall window open (Ctrl+Shift+W opens one)").setEnabled(False)
        return
    for number, window in enumerate(windows, start=1):
        state = "full screen" if window.isFullScreen() else "in a window"
        sub = menu.addMenu(f"Wall window {number} on {window.screen_name} ({state})")
        sub.addAction("Raise", partial(raise_window, window))
        if window.isFullScreen():
            sub.addAction("Leave full screen", window.leave_full_screen)
        else:
            sub.addAction("Full screen", window.enter_full_screen)
        sub.addAction("Move to the next monitor", window.move_to_next_screen)
        sub.addAction("Close", partial(close, window))


def raise_window(window: QWidget) -> None:
    window.show()
    window.raise_()
    window.activateWindow()
