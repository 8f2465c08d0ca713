"""GUI fixtures: a main window over a real SQLite registry, on the test X server."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from app.registry.service import Registry
from app.views.main_window import ConsoleInfo, MainWindow

WindowFactory = Callable[[], MainWindow]


@pytest.fixture
def make_window(qtbot: QtBot, city_registry: Registry, tmp_path: Path) -> WindowFactory:
    def make() -> MainWindow:
        ui_state = QSettings(str(tmp_path / "ui-state.ini"), QSettings.Format.IniFormat)
        window = MainWindow(city_registry, ConsoleInfo("Database: test"), ui_state)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitUntil(lambda: window.camera_panel.model.rowCount() == 200, timeout=10_000)
        return window

    return make
