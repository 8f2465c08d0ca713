"""Sign-in, the lock after inactivity, and the console showing only what the role allows."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from app.governance import audit
from app.governance.accounts import AccountStore
from app.governance.identity import current_user, sign_in
from app.governance.roles import Role
from app.registry.service import Registry
from app.views.sign_in import SignInDialog
from app.views.wall.tile import TileState


def test_sign_in_names_the_person_and_audits_failures(city_registry: Registry, qtbot: QtBot) -> None:
    sessions = city_registry._sessions
    AccountStore(sessions).add("rdiaz", "Rosa Diaz", Role.SUPERVISOR, "a long passphrase")
    dialog = SignInDialog(sessions)
    qtbot.addWidget(dialog)
    dialog.username.setText("rdiaz")
    dialog.password.setText("not it")
    dialog.try_sign_in()
    assert dialog.account is None and "not accepted" in dialog.error.text() and dialog.password.text() == ""
    dialog.password.setText("a long passphrase")
    dialog.try_sign_in()
    assert dialog.account is not None and dialog.account.role is Role.SUPERVISOR
    assert current_user() == "rdiaz"
    assert [e.action for e in audit.query(sessions)][-2:] == ["sign-in failed", "sign-in"]
    sign_in(None)


def test_the_console_offers_only_what_the_role_allows(make_window, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]
    window = make_window(with_wall=True)
    enabled = {a.objectName(): a.isEnabled() for a in window.actions_list}
    assert enabled["export_case"] and enabled["add_camera"]  # before sign-in: the OS account, everything
    window.apply_role(Role.AUDITOR)
    enabled = {a.objectName(): a.isEnabled() for a in window.actions_list}
    assert not any(enabled[n] for n in ("export_case", "review_recordings", "new_incident", "add_camera"))
    assert enabled["audit_log"]
    camera = window.cameras[0]
    tile = window.wall.put_camera(camera)
    assert tile.state == TileState.REVOKED and "may not view live video" in tile.reason
    window.apply_role(Role.EVIDENCE_TECHNICIAN)
    enabled = {a.objectName(): a.isEnabled() for a in window.actions_list}
    assert enabled["export_case"] and enabled["review_recordings"] and not enabled["add_camera"]
    assert not enabled["audit_log"]
    assert window.wall.tiles[0].role_refusal


def test_the_console_locks_after_inactivity_and_input_keeps_it_open(make_window, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    from app.main import install_lock

    window = make_window()
    locks: list[int] = []
    watch = install_lock(None, window, window.incidents.sessions, 1.5)
    watch.sig_idle.disconnect()
    watch.sig_idle.connect(lambda: locks.append(1))
    for _ in range(4):  # input every half second: no lock
        qtbot.wait(500)
        QTest.mouseMove(window.windowHandle(), QPoint(100 + len(locks), 100))
        QTest.keyClick(window.windowHandle(), Qt.Key.Key_Shift)
    assert locks == []
    started = time.monotonic()
    qtbot.waitUntil(lambda: bool(locks), timeout=5_000)  # then nothing: it locks
    assert time.monotonic() - started >= 1.0 and watch.paused
    watch.resume()
    assert not watch.paused


def test_the_lock_hides_the_console_until_someone_signs_in(make_window, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QGuiApplication

    from app.main import install_lock

    window = make_window(with_wall=True)
    window.resize(1200, 800)
    sessions = window.incidents.sessions
    AccountStore(sessions).add("mlee", "Morgan Lee", Role.OPERATOR, "a long passphrase")
    watch = install_lock(None, window, sessions, 3600)
    watch.sig_idle.emit()
    cover = window.lock_covers[0]
    qtbot.waitUntil(cover.isVisible, timeout=5_000)
    assert cover.geometry() == window.rect()
    qtbot.wait(300)
    # What the screen shows (native video surfaces included) over the console is the cover.
    shot = QGuiApplication.primaryScreen().grabWindow(0).toImage()
    middle = window.mapToGlobal(window.rect().center())
    assert shot.pixelColor(middle.x(), middle.y() + 80).name() == "#101216"
    dialog = window.lock_dialog
    dialog.username.setText("mlee")
    dialog.password.setText("a long passphrase")
    dialog.try_sign_in()
    qtbot.waitUntil(lambda: not window.lock_covers, timeout=5_000)
    assert not cover.isVisible() or cover.parent() is None
    assert current_user() == "mlee" and not watch.paused
    sign_in(None)


def test_the_lock_covers_open_dialogs_too_and_keeps_what_was_typed_and_shows_who(
    make_window, qtbot: QtBot
) -> None:  # type: ignore[no-untyped-def]
    """An open export dialog stayed visible and usable above the lock, with its case number; the
    status bar now says who is signed in, and changes with the next person."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from app.main import install_lock

    window = make_window()
    sessions = window.incidents.sessions
    folders = window.incidents_ui.folders
    folders.recordings = folders.recordings or Path("/nonexistent")
    AccountStore(sessions).add("mlee", "Morgan Lee", Role.OPERATOR, "a long passphrase")
    AccountStore(sessions).add("tech1", "Tess Chan", Role.EVIDENCE_TECHNICIAN, "another passphrase")
    window.show_signed_in("mlee", "operator")
    assert window.findChild(QLabel, "signed_in").text() == "Signed in: mlee (operator)"
    export = window.incidents_ui.export_case("LAPD-2026-0099")
    qtbot.waitExposed(export)
    export.target.setText("/media/usb")
    watch = install_lock(None, window, sessions, 3600)
    watch.sig_idle.emit()
    covered = {c.parentWidget() for c in window.lock_covers}
    assert window in covered and export in covered
    assert window.lock_dialog.windowModality() == Qt.WindowModality.ApplicationModal
    # Keys and clicks at the covered dialog (through the window system, as a person's arrive)
    # reach nothing.
    export.target.setFocus()
    for key in (Qt.Key.Key_X, Qt.Key.Key_Y, Qt.Key.Key_Backspace):
        QTest.keyClick(export.windowHandle(), key)
    QTest.mouseClick(
        export.windowHandle(), Qt.MouseButton.LeftButton, pos=export.export_button.geometry().center()
    )
    assert export.target.text() == "/media/usb" and export.export_result is None
    dialog = window.lock_dialog
    QTest.keyClick(dialog.username, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)  # the next person
    QTest.keyClicks(dialog.username, "tech1")
    QTest.keyClicks(dialog.password, "another passphrase")
    QTest.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.lock_covers, timeout=5_000)
    assert export.isVisible() and export.case.currentText() == "LAPD-2026-0099"
    assert export.target.text() == "/media/usb"  # nothing typed is lost
    assert window.findChild(QLabel, "signed_in").text() == "Signed in: tech1 (evidence_technician)"
    export.close()
    sign_in(None)


def test_someone_watching_a_wall_window_is_warned_kept_signed_in_and_the_wall_plays_on(
    make_window, qtbot: QtBot
) -> None:  # type: ignore[no-untyped-def]
    """The lock fired on someone only watching the wall: input on a wall window did not count,
    nothing warned before the console locked, and the lock blanked the room's wall display."""
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    from app.main import install_lock
    from app.views.wall.window import WallWindow

    window = make_window(with_wall=True)
    sessions = window.incidents.sessions
    AccountStore(sessions).add("mlee", "Morgan Lee", Role.OPERATOR, "a long passphrase")
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    ctrl_shift = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    QTest.keyClick(window, Qt.Key.Key_W, ctrl_shift)
    qtbot.waitUntil(lambda: len(window.walls.windows) == 1, timeout=5_000)
    wall: WallWindow = window.walls.windows[0]
    qtbot.addWidget(wall)
    qtbot.waitExposed(wall)
    watch = install_lock(None, window, sessions, 6.0)  # warns in its last 1.5 s

    # Moving the mouse over the wall window keeps the console open past the idle time.
    until = time.monotonic() + 8.0
    while time.monotonic() < until:
        QTest.mouseMove(wall.windowHandle(), QPoint(200 + int(until - time.monotonic()) * 10, 200))
        qtbot.wait(250)  # a person's hand, not a wait for a result
    assert not watch.paused and not getattr(window, "lock_covers", [])

    # Then nothing: a warning comes first, and a key on the wall window withdraws it.
    warning = window.findChild(QLabel, "lock_warning")
    qtbot.waitUntil(lambda: warning.isVisible() and "Locking in" in warning.text(), timeout=15_000)
    assert "move the mouse or press a key" in warning.text() and not watch.paused
    QTest.keyClick(wall.windowHandle(), Qt.Key.Key_Shift)
    qtbot.waitUntil(lambda: not warning.isVisible(), timeout=5_000)
    assert not watch.paused

    # Left alone, it locks: the console is covered, the wall window plays on and says so, and
    # takes no keys until someone signs in.
    qtbot.waitUntil(lambda: bool(getattr(window, "lock_covers", [])), timeout=20_000)
    assert window in {c.parentWidget() for c in window.lock_covers}
    assert wall not in {c.parentWidget() for c in window.lock_covers}
    note = wall.findChild(QLabel, "wall_locked")
    assert note is not None and note.isVisible() and "only shows video" in note.text()
    layout = wall.wall.layout_name
    QTest.keyClick(wall.windowHandle(), Qt.Key.Key_3 if layout != "3x3" else Qt.Key.Key_2,
                   Qt.KeyboardModifier.ControlModifier)  # fmt: skip
    assert wall.wall.layout_name == layout
    dialog = window.lock_dialog
    QTest.keyClick(dialog.username, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)  # over the last name
    QTest.keyClicks(dialog.username, "mlee")
    QTest.keyClicks(dialog.password, "a long passphrase")
    QTest.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.lock_covers, timeout=5_000)
    assert not note.isVisible() and not watch.paused
    sign_in(None)


def test_escape_or_closing_the_lock_keeps_it_locked_and_the_console_open(make_window, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QPushButton

    from app.main import install_lock

    window = make_window()
    sessions = window.incidents.sessions
    AccountStore(sessions).add("mlee", "Morgan Lee", Role.OPERATOR, "a long passphrase")
    install_lock(None, window, sessions, 3600).sig_idle.emit()
    dialog = window.lock_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=5_000)
    assert [b.text() for b in dialog.findChildren(QPushButton)] == ["Sign in"], "nothing to cancel"
    QTest.keyClick(dialog.username, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)  # over whoever was in
    QTest.keyClicks(dialog.username, "mlee")
    QTest.keyClicks(dialog.password, "not it")
    QTest.keyClick(dialog.password, Qt.Key.Key_Escape)
    assert dialog.isVisible() and window.isVisible() and window.lock_covers
    assert dialog.error.text() == "The console stays locked until someone signs in."
    assert dialog.username.text() == "mlee" and dialog.password.text() == ""
    dialog.close()  # the window's close button
    assert dialog.isVisible() and window.isVisible()
    QTest.keyClicks(dialog.password, "a long passphrase")
    QTest.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.lock_covers, timeout=5_000)
    assert current_user() == "mlee"
    sign_in(None)


def test_a_console_opened_before_any_account_locks_when_the_first_is_made(  # type: ignore[no-untyped-def]
    make_window, qtbot: QtBot, monkeypatch
) -> None:
    from app.cli import main
    from app.main import lock_when_accounts_appear

    window = make_window()
    sessions = window.incidents.sessions
    lock_when_accounts_appear(None, window, window.session, 3600)
    assert getattr(window, "inactivity_watch", None) is None, "no accounts: no lock"
    # An administrator makes the first account from the command line (or another workstation).
    monkeypatch.setenv("RTCC_NEW_PASSWORD", "a long passphrase")
    url = sessions.kw["bind"].url.render_as_string(hide_password=False)
    assert main(["--database", url, "users", "add", "pat", "--full-name", "Pat Admin",
                 "--role", "administrator"]) == 0  # fmt: skip
    qtbot.waitUntil(lambda: getattr(window, "lock_dialog", None) is not None, timeout=10_000)
    assert window.lock_dialog.isVisible()
    assert window.lock_covers and "console locked: accounts now exist, sign in" in [
        e.action for e in audit.query(sessions)
    ]
    window.lock_dialog.username.setText("pat")
    window.lock_dialog.password.setText("a long passphrase")
    window.lock_dialog.try_sign_in()
    qtbot.waitUntil(lambda: not window.lock_covers, timeout=5_000)
    assert window.inactivity_watch is not None and not window.inactivity_watch.paused, "the lock applies now"
    sign_in(None)
