"""Opening the incident dialog as a dispatcher does."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot


def open_incident_dialog(window, qtbot: QtBot):  # type: ignore[no-untyped-def]
    """Ctrl+N in the console, as the dispatcher opens a new incident."""
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QWidget

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    QTest.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.findChild(QWidget, "reported_time") is not None, timeout=5_000)
    dialog = window.findChild(QWidget, "reported_time").window()
    qtbot.waitExposed(dialog)
    return dialog
