"""Pressing what a person presses: buttons, keys, and the modal dialogs they open.

A modal dialog (``QInputDialog.getText``, ``QMessageBox``) runs its own event loop inside the
click that opened it, so the answer has to be armed before the click: :func:`answer_dialog`
polls for the dialog from a timer, types into it with real key events and presses its button.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot


def click(widget: QWidget) -> None:
    """A left click in the middle of the widget, as the mouse makes it."""
    assert widget.isVisible() and widget.isEnabled(), f"{widget.objectName() or widget} cannot be clicked"
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton)


def button(parent: QObject, name: str) -> QAbstractButton:
    found = parent.findChild(QAbstractButton, name)
    assert found is not None, f"no button {name!r}"
    return found


@dataclass
class Answered:
    """What the armed answer saw: the dialog's title and its texts, once it appeared."""

    title: str = ""
    texts: list[str] = field(default_factory=list)
    done: bool = False


def answer_dialog(type_text: str | None = None, *, accept: bool = True, press: str = "",
                  timeout_ms: int = 20_000) -> Answered:  # fmt: skip
    """Arm an answer for the next modal dialog: type ``type_text`` into its line edit (replacing
    what is there) and press OK, the button labelled ``press``, or Escape when ``accept`` is false."""
    seen = Answered()
    timer = QTimer()
    waited = [0]

    def poll() -> None:
        waited[0] += 50
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QDialog) or not dialog.isVisible():
            if waited[0] > timeout_ms:
                timer.stop()
            return
        timer.stop()
        seen.title = dialog.windowTitle()
        seen.texts = [label.text() for label in dialog.findChildren(QLabel)]
        edit = dialog.findChild(QLineEdit)
        if type_text is not None and edit is not None:
            edit.selectAll()
            QTest.keyClick(edit, Qt.Key.Key_Backspace)
            QTest.keyClicks(edit, type_text)
        buttons = dialog.findChildren(QAbstractButton)
        named = [b for b in buttons if press and b.text().replace("&", "") == press]
        if named:
            QTest.mouseClick(named[0], Qt.MouseButton.LeftButton)
        elif press:
            raise AssertionError(f"no button {press!r} in {seen.title!r}")
        elif not accept:
            QTest.keyClick(dialog, Qt.Key.Key_Escape)
        else:
            box = dialog.findChild(QDialogButtonBox)
            ok = None
            if box is not None:
                ok = box.button(QDialogButtonBox.StandardButton.Ok) or next(
                    (b for b in box.buttons() if box.buttonRole(b) == QDialogButtonBox.ButtonRole.AcceptRole),
                    None,
                )
                if ok is None and box.buttons():
                    ok = box.buttons()[0]  # a dialog with only "Close"
            if ok is not None:
                QTest.mouseClick(ok, Qt.MouseButton.LeftButton)
            else:
                QTest.keyClick(edit or dialog, Qt.Key.Key_Return)
        seen.done = True

    timer.setInterval(50)
    timer.timeout.connect(poll)
    timer.start()
    _armed.append(timer)  # keep the timer alive until it fires
    return seen


_armed: list[QTimer] = []


def wait_answered(qtbot: QtBot, seen: Answered, timeout: int = 20_000) -> None:
    qtbot.waitUntil(lambda: seen.done, timeout=timeout)
