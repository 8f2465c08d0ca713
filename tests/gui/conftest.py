"""GUI fixtures: a main window over a real SQLite registry, on the test X server."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from app.console.actor import Actor
from app.console.session import Session
from app.incidents.service import IncidentStore
from app.registry.gazetteer import OfflineGazetteer
from app.registry.sample_city import station_places
from app.registry.service import Registry
from app.video.vlc_player import VlcEngine
from app.views.main_window import ConsoleInfo, MainWindow
from app.views.map.page_html import MapConfig
from app.walls.salvos import SalvoStore

WindowFactory = Callable[..., MainWindow]


@pytest.fixture
def make_window(qtbot: QtBot, city_registry: Registry, tmp_path: Path) -> WindowFactory:
    """Windows without the map unless asked: the map has its own tests and costs a browser."""

    def make(
        with_map: bool = False,
        with_wall: bool = False,
        home: frozenset[str] = frozenset(),
        media_url: str = "http://127.0.0.1:9",
    ) -> MainWindow:
        ui_state = QSettings(str(tmp_path / "ui-state.ini"), QSettings.Format.IniFormat)
        config = MapConfig() if with_map else None
        engine = VlcEngine() if with_wall else None
        sessions = city_registry._sessions
        gazetteer = OfflineGazetteer(sessions)
        if not gazetteer.all():
            gazetteer.import_places(station_places())
        window = MainWindow(
            city_registry, ConsoleInfo("Database: test"), ui_state, map_config=config, engine=engine,
            media_url=media_url, salvos=SalvoStore(sessions), incidents=IncidentStore(sessions),
            time_zone="America/Los_Angeles", gazetteer=gazetteer,
            session=Session(sessions, Actor.before_accounts("tester", home), city_registry),
        )  # fmt: skip
        qtbot.addWidget(window)
        window.show()
        qtbot.waitUntil(lambda: window.camera_panel.model.rowCount() >= 200, timeout=10_000)
        return window

    return make


def run_js(qtbot: QtBot, page: Any, code: str, timeout: int = 10_000) -> Any:
    """Run ``code`` in the page and wait for its value (return JSON.stringify(...) for arrays)."""
    box: list[Any] = []
    page.runJavaScript(code, 0, box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=timeout)
    return box[0]


def js_json(qtbot: QtBot, page: Any, code: str) -> Any:
    return json.loads(run_js(qtbot, page, f"JSON.stringify({code})"))


def answer_next_dialog(answer: Callable[[QWidget], None]) -> list[QWidget]:
    """Answer the next modal dialog as a person would. QInputDialog's static getters run their own
    event loop, so the keys must be pressed from a timer once the dialog is up; the list holds the
    dialog once answered."""
    answered: list[QWidget] = []

    def poll() -> None:
        modal = QApplication.activeModalWidget()
        if modal is None or not modal.isVisible():
            QTimer.singleShot(20, poll)
            return
        answer(modal)
        answered.append(modal)

    QTimer.singleShot(0, poll)
    return answered


def type_and_enter(text: str) -> Callable[[QWidget], None]:
    """Replace what the dialog's field holds with ``text`` and press Enter."""

    def answer(dialog: QWidget) -> None:
        field = dialog.focusWidget() or dialog
        QTest.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        if text:
            QTest.keyClicks(field, text)
        QTest.keyClick(field, Qt.Key.Key_Return)

    return answer
