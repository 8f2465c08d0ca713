"""The main window: camera list, search and filters, details, dialogs, shortcuts, saved layout."""

from __future__ import annotations

import csv
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.console.events import MediaChanged
from app.registry.records import FIELDS
from tests.gui.conftest import WindowFactory
from tests.helpers.incident_dialog import saved_near_first_camera
from tests.helpers.registry_rows import GOOD


def test_opens_with_the_sample_cameras_listed(make_window: WindowFactory) -> None:
    window = make_window()
    assert window.camera_panel.proxy.rowCount() == 200
    assert window.status.counts.text().startswith("200 cameras · ")
    assert (
        "200 registered" in window.status.counts.toolTip()
        and "21 divisions" in window.status.counts.toolTip()
    )
    assert window.camera_panel.count_label.text() == "200 of 200 cameras shown"
    assert set(window.docks) == {"cameras", "details", "map", "incident", "incidents"}


def test_search_and_filters_narrow_the_list(make_window: WindowFactory, qtbot: QtBot) -> None:
    window = make_window()
    panel = window.camera_panel
    panel.search.setText("hollywood")
    shown = {
        panel.proxy.index(r, 0).data(Qt.ItemDataRole.UserRole + 1).division
        for r in range(panel.proxy.rowCount())
    }
    assert shown == {"Hollywood", "North Hollywood"}
    panel.search.clear()
    combo = panel.combos["owner_type"]
    combo.setCurrentIndex(combo.findData("public_agency"))
    rows = [panel.proxy.index(r, 0).data(Qt.ItemDataRole.UserRole + 1) for r in range(panel.proxy.rowCount())]
    assert rows and all(r.owner_type == "public_agency" for r in rows)
    status = panel.combos["status"]
    status.setCurrentIndex(status.findData("consent_revoked"))
    assert all(
        panel.proxy.index(r, 0).data(Qt.ItemDataRole.UserRole + 1).consent_revoked_at is not None
        for r in range(panel.proxy.rowCount())
    )


def test_selecting_a_camera_shows_its_details(make_window: WindowFactory) -> None:
    window = make_window()
    row = window.cameras[0]
    assert window.camera_panel.select_camera(row.id)
    text = window.details.text()
    assert row.name in text and row.owner_name in text and "boundary approximate" in text
    assert "<b>Live viewing:</b>" in text


def test_markup_in_registry_text_is_shown_not_interpreted(make_window: WindowFactory, qtbot: QtBot) -> None:
    from app.registry.records import validate_camera

    window = make_window()
    evil = '<img src="file:///etc/passwd"><a href="http://x">call owner</a>'
    rec, _ = validate_camera(GOOD | {"name": "HOL-666 evil", "owner_name": evil, "owner_contact": "<b>x</b>"})
    assert rec is not None
    row = window.registry.add(rec)
    QTest.keyClick(window, Qt.Key.Key_F5)  # Reload registry
    qtbot.waitUntil(lambda: window.camera_panel.select_camera(row.id), timeout=10_000)
    text = window.details.text()
    assert "<img" not in text and "<a href" not in text and "&lt;img src=" in text and "&lt;b&gt;x" in text


def test_register_dialog_shows_errors_and_keeps_what_was_typed(
    make_window: WindowFactory, qtbot: QtBot
) -> None:
    window = make_window()
    dialog = window.registry_actions.add_camera()
    for key, value in GOOD.items():
        if key in dialog.edits:
            dialog.set_value(key, value)
    dialog.set_value("latitude", "134.2")
    dialog.set_value("main_url", "rtsp://cam/x :sout=#file{dst=/tmp/x}")
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    assert dialog.isVisible()
    assert "latitude: 134.2 is out of range" in dialog.error_label.text()
    assert "main url: URL contains spaces" in dialog.error_label.text()
    assert dialog.value("name") == GOOD["name"]
    assert dialog.value("main_url").endswith(":sout=#file{dst=/tmp/x}")

    dialog.set_value("latitude", "34.2")
    dialog.set_value("main_url", "rtsp://10.1.1.1/main")
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    qtbot.waitUntil(lambda: window.camera_panel.model.rowCount() == 201, timeout=10_000)
    assert any(r.name == GOOD["name"] for r in window.cameras)


def test_failed_save_keeps_the_dialog_open(make_window: WindowFactory, qtbot: QtBot) -> None:
    window = make_window()
    taken = window.cameras[5].name
    dialog = window.registry_actions.add_camera()
    for key, value in (GOOD | {"name": taken}).items():
        if key in dialog.edits:
            dialog.set_value(key, value)
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    qtbot.waitUntil(lambda: "already registered" in dialog.error_label.text(), timeout=10_000)
    assert dialog.isVisible() and dialog.value("name") == taken
    assert window.camera_panel.model.rowCount() == 200


def test_edit_dialog_is_filled_from_the_camera(make_window: WindowFactory, qtbot: QtBot) -> None:
    window = make_window()
    row = window.cameras[3]
    window.camera_panel.select_camera(row.id)
    dialog = window.registry_actions.edit_camera()
    assert dialog is not None
    assert dialog.value("name") == row.name and dialog.value("division") == row.division
    dialog.set_value("notes", "lens cleaned")
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    qtbot.waitUntil(lambda: any(r.notes == "lens cleaned" for r in window.cameras), timeout=10_000)


def test_an_edit_saved_over_another_workstations_change_is_refused_and_keeps_what_was_typed(
    make_window: WindowFactory, qtbot: QtBot
) -> None:
    from app.governance.identity import sign_in
    from app.registry.records import validate_camera
    from app.registry.service import Registry
    from app.views.camera_dialog import CameraDialog

    window = make_window()
    row = window.cameras[4]
    assert window.camera_panel.select_camera(row.id)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    QTest.keyClick(window, Qt.Key.Key_F2)  # Edit camera…
    dialog = window.findChild(CameraDialog)
    assert dialog is not None and dialog.value("name") == row.name
    notes = dialog.edits["notes"]
    notes.setFocus()
    QTest.keyClicks(notes, " lens cleaned")
    # Meanwhile another workstation saves the same camera.
    theirs, _ = validate_camera(row.to_fields() | {"notes": "moved to the corner"})
    assert theirs is not None
    sign_in("mlee")
    try:
        Registry(window.registry.sessions).update(row.id, theirs)
    finally:
        sign_in(None)
    QTest.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Save), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "was changed by mlee" in dialog.error_label.text(), timeout=10_000)
    assert "nothing was saved" in dialog.error_label.text() and "Reload (F5)" in dialog.error_label.text()
    assert dialog.isVisible() and "lens cleaned" in dialog.value("notes")  # nothing typed is lost
    assert window.registry.get(row.id).notes == "moved to the corner"  # their change stands


def test_the_camera_list_offers_the_workstations_own_divisions_first(
    make_window: WindowFactory, qtbot: QtBot
) -> None:
    from app.views.camera_list import ROW_ROLE

    window = make_window(home=frozenset({"Hollywood"}))
    panel = window.camera_panel
    proxy = panel.proxy

    def listed() -> list[str]:
        return [proxy.index(r, 0).data(ROW_ROLE).division for r in range(proxy.rowCount())]

    ours = sum(c.division == "Hollywood" for c in window.cameras)
    assert 0 < ours < 200 and listed()[:ours] == ["Hollywood"] * ours and len(listed()) == 200
    QTest.mouseClick(panel.table.horizontalHeader().viewport(), Qt.MouseButton.LeftButton)  # sort: reversed
    assert listed()[:ours] == ["Hollywood"] * ours  # still first
    combo = panel.combos["division"]
    assert combo.itemText(1) == "Own: Hollywood"
    combo.setFocus()
    QTest.keyClick(combo, Qt.Key.Key_Down)  # from "All divisions" to "Own: Hollywood"
    assert listed() == ["Hollywood"] * ours


def test_bad_import_shows_an_error_and_changes_nothing(
    make_window: WindowFactory, qtbot: QtBot, tmp_path: Path
) -> None:
    window = make_window()
    path = tmp_path / "bad.csv"
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(FIELDS))
        writer.writeheader()
        writer.writerow(GOOD | {"owner_type": "alien"})
    window.registry_actions.import_cameras(str(path))
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "error_box") is not None, timeout=10_000)
    box = window.findChild(QMessageBox, "error_box")
    assert "line 2, field 'owner_type'" in box.text() and "nothing was imported" in box.text()
    assert window.registry.counts()["total"] == 200


def test_import_and_export_from_the_window(make_window: WindowFactory, qtbot: QtBot, tmp_path: Path) -> None:
    window = make_window()
    out = tmp_path / "cams.csv"
    window.registry_actions.export_cameras(str(out))
    qtbot.waitUntil(lambda: "Exported 200" in window.statusBar().currentMessage(), timeout=10_000)
    with out.open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 200
    path = tmp_path / "one.csv"
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(FIELDS))
        writer.writeheader()
        writer.writerow(GOOD)
    window.registry_actions.import_cameras(str(path))
    qtbot.waitUntil(lambda: window.camera_panel.model.rowCount() == 201, timeout=10_000)


def test_help_overlay_lists_the_shortcuts(make_window: WindowFactory, qtbot: QtBot) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QLabel

    from app.views.shortcuts import ShortcutsDialog

    window = make_window()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    QTest.keyClick(window, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: window.findChild(ShortcutsDialog) is not None, timeout=5_000)
    dialog = window.findChild(ShortcutsDialog)

    table = dialog.findChild(QLabel, "shortcut_table").text()
    for keys, text in (("F1", "Keyboard shortcuts"), ("Ctrl+I", "Import cameras"), ("Ctrl+F", "Find camera"),
                       ("F2", "Edit camera"), ("Ctrl+Shift+T", "theme")):  # fmt: skip
        assert keys in table and text in table


def test_layout_is_restored_on_next_start(make_window: WindowFactory, qtbot: QtBot) -> None:
    window = make_window()
    window.showNormal()
    window.docks["incident"].hide()
    window.resize(1111, 777)
    window.close()
    again = make_window()
    assert again.docks["incident"].isHidden()
    assert again.size().width() == 1111


def test_theme_toggles(make_window: WindowFactory) -> None:
    window = make_window()
    from PySide6.QtWidgets import QApplication

    dark = QApplication.palette().window().color().lightness()
    window.toggle_theme()
    light = QApplication.palette().window().color().lightness()
    window.toggle_theme()
    assert light > dark


def test_the_status_bar_fits_a_1920_pixel_screen(make_window: WindowFactory, qtbot: QtBot) -> None:
    """At 1920 px the media service's line ran off the edge; each part is now short, whole in its
    tooltip."""
    from PySide6.QtWidgets import QLabel

    window = make_window()
    window.resize(1920, 1000)
    window.session.take_media(MediaChanged(
        "Media service: http://127.0.0.1:8765 · 18 camera stream(s) pulled, 0 viewer(s) · recording 9/9 "
        "camera(s), 23 segment(s)", {}, {}, {},
    ), None)  # fmt: skip
    labels = [w for w in window.statusBar().findChildren(QLabel) if w.isVisible() and w.text()]
    needed = sum(label.sizeHint().width() for label in labels)
    assert needed < window.statusBar().width() - 40, [label.text() for label in labels]
    assert window.status.media.text() == "Media: 18 pulled, 0 viewers · recording 9/9"
    assert "http://127.0.0.1:8765" in window.status.media.toolTip()


def test_a_camera_added_by_the_command_line_appears_without_f5(
    make_window: WindowFactory, qtbot: QtBot, db_url: str
) -> None:
    """A running console saw a camera added elsewhere (the command line, another workstation)
    only after F5. Its session follows the registry's change mark."""
    from app.cli import main
    from tests.helpers.governance import ADD

    window = make_window()
    model = window.camera_panel.model
    before = model.rowCount()
    assert main(["--database", db_url, *ADD]) == 0
    # No F5: the session polls the change mark every second (the 2 s figure is the unit test's).
    qtbot.waitUntil(lambda: model.rowCount() == before + 1, timeout=10_000)
    names = {model.index(r, 0).data() for r in range(model.rowCount())}
    assert "CLI-1" in names and window.session.camera(max(window.session.cameras)) is not None


def test_the_status_bar_says_when_the_demo_simulator_dies(qtbot: QtBot) -> None:
    """The demo's status bar kept naming 200 cameras after its simulator had exited: now it turns
    red and says the simulator stopped."""
    import os
    import signal

    from PySide6.QtWidgets import QMainWindow

    from app.video.simulator_process import SimulatorProcess
    from app.views.status_bar import ConsoleStatus

    with SimulatorProcess(1, port=0) as sim:
        host = QMainWindow()
        qtbot.addWidget(host)
        status = ConsoleStatus(host.statusBar(), "Database: test", "Media service: not running",
                               f"Simulator: 1 cameras on {sim.base_url}", lambda: sim.running)  # fmt: skip
        host.show()
        assert status.simulator is not None and status.simulator.text() == "Simulator: 1 cameras"
        os.kill(sim.pid, signal.SIGKILL)
        label = status.simulator
        qtbot.waitUntil(lambda: label.text() == "Simulator stopped", timeout=15_000)
        assert "exited" in label.toolTip()


def test_a_long_message_is_elided_whole_in_its_tooltip_and_kept_in_the_log(make_window, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]
    """The status bar cut messages off under its permanent widgets, and they were gone for good."""

    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QListWidget, QStatusBar

    window = make_window()
    window.resize(1280, 800)
    saved = saved_near_first_camera(window, "26-0902", "Burglary")
    window.incidents_ui.reopen(saved)
    bar = window.statusBar()
    qtbot.waitUntil(lambda: "open again" in bar.currentMessage(), timeout=10_000)
    full = bar.currentMessage()
    assert full.endswith("need no further purpose.")
    drawn = QStatusBar.currentMessage(bar)  # what the bar draws
    assert drawn.endswith("…") and full.startswith(drawn[:-1]), drawn
    assert bar.fontMetrics().horizontalAdvance(drawn) <= bar._room()
    assert "need no further purpose." in bar.toolTip()
    # A permanent widget appears after it (a queued call's count): the message is elided again.
    before = QStatusBar.currentMessage(bar)
    window.status.queued.setText("Queued calls: 12")
    window.status.queued.show()
    qtbot.waitUntil(lambda: QStatusBar.currentMessage(bar) != before, timeout=5_000)
    assert bar.fontMetrics().horizontalAdvance(QStatusBar.currentMessage(bar)) <= bar._room()

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    QTest.keyClick(
        window, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    qtbot.waitUntil(lambda: window.findChild(QListWidget, "message_log") is not None, timeout=5_000)
    log = window.findChild(QListWidget, "message_log")
    assert any(log.item(i).text().endswith(full) for i in range(log.count())), "kept whole"
