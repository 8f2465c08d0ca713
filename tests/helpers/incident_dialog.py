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


def saved_near_first_camera(window, number: str, kind: str):  # type: ignore[no-untyped-def]
    """An incident saved 20 minutes ago at the console's first camera, with that camera."""
    from datetime import UTC, datetime, timedelta

    from app.incidents.service import IncidentInput

    near = window.cameras[0]
    reported = datetime.now(UTC) - timedelta(minutes=20)
    data = IncidentInput(number, kind, reported, "America/Los_Angeles", near.latitude, near.longitude, 300.0)
    return window.incidents.create(data, [(near.id, True, "in view")])
