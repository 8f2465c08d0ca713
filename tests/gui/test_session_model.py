"""The session is the console's model: every event it emits has a view following it, and the
registry is read once per change (the feed reads, the session applies, the views follow)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from app.console.events import EventEmitter
from app.registry.service import Registry
from app.views.camera_list import ROW_ROLE
from tests.gui.conftest import WindowFactory


def test_every_session_event_has_a_subscriber_in_the_console(make_window: WindowFactory) -> None:
    window = make_window(with_wall=True)
    emitters = {name: e for name, e in vars(window.session.events).items() if isinstance(e, EventEmitter)}
    assert len(emitters) >= 7, sorted(emitters)
    unheard = sorted(name for name, emitter in emitters.items() if emitter.subscribers == 0)
    assert not unheard, f"no view follows {unheard}"


def test_the_registry_is_listed_once_per_change(make_window: WindowFactory, qtbot: QtBot) -> None:
    """Another workstation edits a camera: the console lists the registry once (the change feed
    and the change mark's poll both hear of it), every view shows the edit, and F5 lists once more."""
    window = make_window()
    registry = window.registry
    listed, marks = [0], [0]
    list_cameras, change_mark = registry.list_cameras, registry.change_mark

    def counted_list() -> object:
        listed[0] += 1
        return list_cameras()

    def counted_mark() -> tuple[int, str]:
        marks[0] += 1
        return change_mark()

    registry.list_cameras = counted_list  # type: ignore[method-assign]
    registry.change_mark = counted_mark  # type: ignore[method-assign]
    elsewhere = Registry(registry._sessions)  # another workstation's registry, same database
    camera = window.cameras[7]
    elsewhere.retire(camera.id)

    model = window.camera_panel.model

    def shown_retired() -> bool:
        rows = [model.index(r, 0).data(ROW_ROLE) for r in range(model.rowCount())]
        return any(r.id == camera.id and r.status == "retired" for r in rows)

    qtbot.waitUntil(lambda: window.session.cameras[camera.id].status == "retired", timeout=10_000)
    qtbot.waitUntil(shown_retired, timeout=10_000)
    retired = f"{window.session.counts['retired']} retired"
    assert window.session.counts["retired"] >= 1 and retired in window.status.counts.toolTip()
    # The safety-net poll runs on: once it has read the mark twice more, nothing listed again.
    after = marks[0]
    qtbot.waitUntil(lambda: marks[0] >= after + 2, timeout=15_000)
    assert listed[0] == 1, f"the registry was listed {listed[0]} times for one change"

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    QTest.keyClick(window.camera_panel.table, Qt.Key.Key_F5)  # Reload registry
    qtbot.waitUntil(lambda: listed[0] == 2, timeout=10_000)
