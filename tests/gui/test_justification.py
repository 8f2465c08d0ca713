"""Going beyond a purpose's bounds from the console takes two people: the operator's purpose is
refused with the bound named, they write a justification and ask a supervisor; another console,
signed in as a supervisor, approves it (Ctrl+Shift+J); the operator presses OK again and the
camera goes on the wall. The operator cannot answer their own request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from app.console.actor import Actor
from app.console.session import Session
from app.governance import audit
from app.governance.gate import why_not_live
from app.governance.roles import Role
from app.incidents.service import IncidentInput, IncidentStore
from app.views.justifications_dialog import JustificationsDialog
from app.views.main_window import ConsoleInfo, MainWindow
from app.views.purpose_dialog import PurposeDialog
from tests.helpers.live import grant_behind


def test_a_camera_beyond_the_incident_needs_a_supervisors_approval(
    make_window, qtbot: QtBot, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    window = make_window(with_wall=True)
    sessions = window.session.sessions
    business = next(
        r for r in window.cameras
        if why_not_live(r) is None and r.owner_type == "business" and r.live_window in ("", "always")
    )  # fmt: skip
    # The incident is 2 km north of the camera: its 300 m radius does not reach it.
    north = business.latitude + 0.018
    reported = datetime.now(UTC) - timedelta(minutes=5)
    IncidentStore(sessions).create(
        IncidentInput("26-0100", "robbery", reported, "UTC", north, business.longitude, 300.0), []
    )
    assert window.camera_panel.select_camera(business.id)
    window.camera_panel.table.setFocus()
    QTest.keyClick(window.camera_panel.table, Qt.Key.Key_Return)
    dialog = window.findChild(PurposeDialog)
    assert dialog is not None
    QTest.keyClicks(dialog.incident, "26-0100")
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    QTest.mouseClick(ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: "m from incident 26-0100, whose purpose covers 300 m" in dialog.error.text(), timeout=5000
    )
    assert dialog.ask_button.isVisible() and window.wall.visible_tiles[0].camera is None
    QTest.keyClicks(dialog.justification, "Suspect vehicle seen heading south past this shop by unit 12A.")
    QTest.mouseClick(dialog.ask_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "waits for a supervisor" in dialog.error.text(), timeout=5000)

    def console_of(name: str) -> MainWindow:
        """Another console on the same database, signed in as a supervisor."""
        session = Session(sessions, Actor(name, Role.SUPERVISOR), window.session.registry)
        other = MainWindow(window.session.registry, ConsoleInfo("Database: test"),
                           QSettings(str(tmp_path / f"{name}.ini"), QSettings.Format.IniFormat),
                           incidents=IncidentStore(sessions), session=session)  # fmt: skip
        qtbot.addWidget(other)
        other.show()
        other.activateWindow()
        qtbot.waitUntil(other.isActiveWindow, timeout=5000)
        return other

    def open_list(console: MainWindow) -> JustificationsDialog:
        return open_justifications(console, qtbot)

    # The person who asked cannot answer, even as a supervisor at another desk.
    same = console_of(window.session.actor.username)
    own = open_list(same)
    assert not own.approve.isEnabled() and "another supervisor answers it" in own.status.text()
    same.close()
    # Another supervisor approves it.
    other = console_of("sgt-park")
    approvals = open_list(other)
    text = approvals.list.item(0).text()
    assert business.name in text and "incident 26-0100" in text and "unit 12A" in text
    QTest.mouseClick(approvals.approve, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: approvals.list.count() == 0, timeout=5000)

    QTest.mouseClick(ok, Qt.MouseButton.LeftButton)  # the operator presses OK again
    qtbot.waitUntil(lambda: window.wall.visible_tiles[0].camera == business, timeout=5000)
    assert grant_behind(qtbot, window, business).purpose.basis.startswith(
        "owner"
    )  # the legal basis goes along
    actions = [(e.action, e.username) for e in audit.query(sessions, camera=str(business.id))]
    assert ("justification requested", window.session.actor.username) in actions
    assert ("justification approved", "sgt-park") in actions
    other.close()


def test_before_any_account_the_list_says_why_no_one_here_can_answer(make_window, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]
    from app.governance.justifications import request_justification

    window = make_window()  # a single workstation with no accounts: everyone is its user
    camera = window.cameras[0]
    start = datetime.now(UTC) - timedelta(hours=2)
    request_justification(window.incidents.sessions, camera.id, "incident 26-0101", "the incident's window",
                          "the suspect was seen on this block an hour before the call", start,
                          start + timedelta(minutes=30), window.session.actor.username)  # fmt: skip
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    listed = open_justifications(window, qtbot)
    assert not listed.approve.isEnabled() and not listed.deny.isEnabled()
    assert listed.status.text().startswith("No second person can answer here: with no accounts yet")
    assert "rtcc users add" in listed.status.text()


def open_justifications(console: MainWindow, qtbot: QtBot) -> JustificationsDialog:
    """Ctrl+Shift+J, then a click on the one justification listed."""
    QTest.keyClick(
        console, Qt.Key.Key_J, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    qtbot.waitUntil(lambda: console.findChild(JustificationsDialog) is not None, timeout=5000)
    listed = console.findChild(JustificationsDialog)
    qtbot.waitUntil(lambda: listed.list.count() == 1, timeout=5000)
    first = listed.list.visualItemRect(listed.list.item(0)).center()
    QTest.mouseClick(listed.list.viewport(), Qt.MouseButton.LeftButton, pos=first)
    return listed
