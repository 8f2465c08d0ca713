"""The scrub view's commands: one table of what each does, its keys and its button, so the
menu, the shortcuts (F1 lists them) and the button row cannot disagree."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QMainWindow, QPushButton, QWidget

SPEEDS = (0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)


@dataclass(frozen=True)
class Command:
    name: str
    text: str
    keys: str
    method: str  # the scrub window's method that does it
    args: tuple[Any, ...] = ()
    button: str = ""  # the button's label in the row under the timeline ("": no button)


COMMANDS = (  # in the Playback menu's order
    Command("play", "Play / pause", "Space", "toggle_play", (), "Play"),
    Command("reverse", "Play backwards", "R", "toggle_reverse"),
    Command("slower", "Slower", "[", "step_speed", (-1,)),
    Command("faster", "Faster", "]", "step_speed", (1,)),
    Command("frame_next", "Next frame", ".", "step_frame", (1,), "frame ▶"),
    Command("frame_prev", "Previous frame", ",", "step_frame", (-1,), "◀ frame"),
    Command("back10", "Back 10 s", "Left", "jump", (-10,), "◀ 10 s"),
    Command("fwd10", "Forward 10 s", "Right", "jump", (10,), "10 s ▶"),
    Command("back60", "Back 1 min", "Shift+Left", "jump", (-60,), "◀◀ 1 min"),
    Command("fwd60", "Forward 1 min", "Shift+Right", "jump", (60,), "1 min ▶▶"),
    Command("incident", "Jump to the incident time", "Home", "seek_incident", (), "Incident"),
    Command("mark_in", "Mark in", "I", "set_mark_in", (), "In"),
    Command("mark_out", "Mark out", "O", "set_mark_out", (), "Out"),
    Command("bookmark", "Bookmark with a note…", "B", "add_bookmark", (), "Bookmark"),
    Command("bookmark_next", "Next bookmark", "N", "go_to_bookmark", (1,)),
    Command("bookmark_prev", "Previous bookmark", "Shift+N", "go_to_bookmark", (-1,)),
    Command("to_case", "Put marked footage into a case…", "Ctrl+K", "add_to_case", (), "To case…"),
    Command("to_officers", "Send to officers…", "H", "send_to_officers", (), "To officers…"),
    Command("help", "Keyboard shortcuts", "F1", "show_shortcuts"),
)

# The button row, in time order from left to right, then the marks and where footage goes.
BUTTONS = ("back60", "back10", "frame_prev", "play", "frame_next", "fwd10", "fwd60", "incident",
           "mark_in", "mark_out", "bookmark", "to_case", "to_officers")  # fmt: skip


def _slot(window: QMainWindow, command: Command) -> Callable[..., None]:
    method = getattr(window, command.method)
    # ``triggered`` passes ``checked``; the methods take optional arguments of their own (a case
    # number, a note), so the flag must not reach them.
    return lambda _checked=False: method(*command.args)


def add_commands(window: QMainWindow) -> dict[str, QAction]:
    """The Playback menu and its shortcuts, in this window only."""
    menu = window.menuBar().addMenu("&Playback")
    actions: dict[str, QAction] = {}
    for command in COMMANDS:
        action = QAction(command.text, window)
        action.setShortcut(QKeySequence(command.keys))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(_slot(window, command))
        menu.addAction(action)
        window.addAction(action)
        actions[command.name] = action
    return actions


def button_row(parent: QWidget, actions: dict[str, QAction]) -> tuple[QHBoxLayout, dict[str, QPushButton]]:
    """A button for each command that has one, its tool tip naming the key."""
    row, buttons = QHBoxLayout(), {}
    by_name = {c.name: c for c in COMMANDS}
    for command in (by_name[name] for name in BUTTONS):
        action = actions[command.name]
        button = QPushButton(command.button, parent)
        button.setObjectName(f"scrub_{command.name}")
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setToolTip(f"{action.text()} ({action.shortcut().toString()})")
        button.clicked.connect(action.trigger)
        row.addWidget(button)
        buttons[command.name] = button
    return row, buttons
