"""Incident entry: the nearby cameras are picked by what they can see, saved, and sent to the wall."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.models.tables import Incident, IncidentCamera
from tests.helpers.incident_dialog import open_incident_dialog, saved_near_first_camera


def test_new_incident_ranks_saves_and_goes_live(make_window, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]
    window = make_window(with_wall=True)
    target = next(c for c in window.cameras if c.sharing_terms == "live_and_recorded" and c.status == "active"
                  and c.consent_revoked_at is None)  # fmt: skip
    dialog = window.incidents_ui.new_incident(target.latitude, target.longitude)
    assert dialog is not None
    assert dialog.candidates and dialog.candidates[0].usable
    assert target.id in [c.camera.id for c in dialog.candidates]
    assert "usable camera(s) within 300 m" in dialog.summary.text()
    excluded = [
        i for i in range(dialog.list.count()) if not dialog.list.item(i).flags() & Qt.ItemFlag.ItemIsEnabled
    ]
    assert all(dialog.candidates[i].reason.startswith("excluded:") for i in excluded)

    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    assert "incident number: required" in dialog.error.text() or "required" in dialog.error.text()
    qtbot.waitUntil(lambda: "Not saved" in dialog.error.text(), timeout=10_000)
    assert dialog.isVisible()

    dialog.number.setText("26-112501")
    dialog.list.item(0).setCheckState(Qt.CheckState.Unchecked)  # the operator drops the first pick
    dropped = dialog.candidates[0].camera.id
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    qtbot.waitUntil(lambda: window.incident_panel.incident is not None, timeout=10_000)
    incident = window.incident_panel.incident
    assert incident.number == "26-112501" and dropped not in incident.camera_ids
    # The incident belongs to the division whose boundary holds its point, and says so.
    assert incident.division == target.division and target.division in window.incident_panel.title.text()
    with window.registry._sessions() as s:
        row = s.execute(select(Incident)).scalar_one()
        assert row.time_zone == "America/Los_Angeles" and row.reported_at.tzinfo is not None
        # The default "now" in Los Angeles is now, whatever this machine's own zone is.
        assert abs(row.reported_at - datetime.now(UTC)) < timedelta(minutes=2)
        kept = s.scalars(select(IncidentCamera).where(IncidentCamera.selected.is_(True))).all()
        assert [k.camera_id for k in sorted(kept, key=lambda k: k.rank)] == incident.camera_ids

    window.incident_panel.live_button.click()
    on_wall = [cid for cid in window.wall.assignments() if cid is not None]
    assert on_wall and set(on_wall) <= set(incident.camera_ids)

    again = window.incidents_ui.new_incident(target.latitude, target.longitude)
    again.number.setText("26-112501")
    again.buttons.button(again.buttons.StandardButton.Save).click()
    qtbot.waitUntil(lambda: "already exists" in again.error.text(), timeout=10_000)
    assert again.number.text() == "26-112501"


def test_bad_location_is_named(make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    dialog = window.incidents_ui.new_incident()
    dialog.location.setText("34 61 0 N, 118 0 0 W")
    dialog.rank()
    assert "below 60" in dialog.summary.text()
    dialog.number.setText("x")
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    assert dialog.error.text().startswith("Location:")


def test_coordinates_outside_the_registrys_area_say_so(make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    dialog = window.incidents_ui.new_incident()
    dialog.location.setText("34.05, 118.25")  # east instead of west: China, not Los Angeles
    dialog.rank()
    assert "outside the registry's area" in dialog.summary.text()
    dialog.location.setText("34.0522, -118.3")  # a quiet block downtown: the nearest is named
    dialog.radius.setValue(20)
    dialog.rank()
    assert dialog.candidates or "the nearest" in dialog.summary.text()


def test_an_address_from_the_offline_gazetteer_places_the_incident(make_window, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    actions = window.incidents_ui
    qtbot.waitUntil(lambda: actions.geocoder is not None and len(actions.geocoder) == 21, timeout=10_000)
    dialog = window.incidents_ui.new_incident()
    dialog.location.setText("1358 Wilcox")
    dialog.rank()
    assert "Address matched: 1358 N Wilcox Ave (LAPD Hollywood station)" in dialog.matched.text()
    assert all(c.distance_m <= 300 for c in dialog.candidates)
    dialog.location.setText("42 Nowhere Lane")
    dialog.rank()
    assert "no address in the gazetteer matches" in dialog.summary.text()


def test_the_address_fields_own_example_is_found_and_a_camera_playing_is_not_called_offline(  # type: ignore[no-untyped-def]
    make_window, qtbot: QtBot
) -> None:
    """The field's example (6501 Fountain Ave) was refused; a camera playing on the wall was
    listed as "OFFLINE now: no live video" because the registry said offline."""
    import re

    from PySide6.QtTest import QTest

    window = make_window()
    actions = window.incidents_ui
    qtbot.waitUntil(lambda: actions.geocoder is not None and len(actions.geocoder) == 21, timeout=10_000)
    dialog = open_incident_dialog(window, qtbot)
    example = re.match(r"an address \((.+?)\), ", dialog.location.placeholderText())
    assert example is not None, dialog.location.placeholderText()
    QTest.keyClicks(dialog.location, example.group(1))
    QTest.keyClick(dialog.location, Qt.Key.Key_Return)  # Enter in the location field finds it
    qtbot.waitUntil(lambda: "Address matched:" in dialog.matched.text(), timeout=5_000)
    assert "no address in the gazetteer matches" not in dialog.summary.text()

    # A tile plays a camera the registry marks offline: the list says what the tile says.
    camera = window.cameras[0]
    dialog.location.setText(f"{camera.latitude:.6f}, {camera.longitude:.6f}")
    dialog.rank()
    playing = dialog.candidates[0].camera
    window.session.note_tile_state(1, 0, playing.id, "live")
    dialog.rank()
    first = dialog.list.item(0).text()
    assert first.endswith("· live on the wall now") and "OFFLINE now" not in first
    from tests.presses import answer_dialog, wait_answered

    discard = answer_dialog(press="Discard")  # Escape asks before throwing the typed incident away
    QTest.keyClick(dialog, Qt.Key.Key_Escape)
    wait_answered(qtbot, discard)


def test_a_time_typed_whole_is_taken_as_typed(make_window, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]
    """'14:33:30' typed into the hours became 14:34:33: the separator moved one section too far."""
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QDateTimeEdit

    dialog = open_incident_dialog(make_window(), qtbot)
    when = dialog.when
    when.setFocus()
    when.setSelectedSection(QDateTimeEdit.Section.HourSection)  # where a click on the hours puts it
    QTest.keyClicks(when, "14:33:30")
    assert when.time().toString("HH:mm:ss") == "14:33:30"
    when.setSelectedSection(QDateTimeEdit.Section.YearSection)
    QTest.keyClicks(when, "2026-03-07 09:05:02")
    assert when.dateTime().toString("yyyy-MM-dd HH:mm:ss") == "2026-03-07 09:05:02"


def test_an_error_goes_once_it_is_fixed_and_escape_asks_before_discarding(make_window, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtTest import QTest

    from tests.presses import answer_dialog, click, wait_answered

    window = make_window()
    dialog = open_incident_dialog(window, qtbot)
    assert "address" in dialog.location.placeholderText()
    target = window.cameras[0]
    QTest.keyClicks(dialog.location, f"{target.latitude:.6f}, {target.longitude:.6f}")
    click(dialog.buttons.button(dialog.buttons.StandardButton.Save))
    qtbot.waitUntil(lambda: "incident number" in dialog.error.text(), timeout=5_000)
    QTest.keyClicks(dialog.number, "26-0001")
    assert dialog.error.text() == ""  # fixed: the error is gone
    # Escape with something typed asks; "Cancel" keeps everything as typed.
    keep = answer_dialog(press="Cancel")
    QTest.keyClick(dialog.number, Qt.Key.Key_Escape)
    wait_answered(qtbot, keep)
    assert keep.title == "Discard this incident?"
    assert dialog.isVisible() and dialog.number.text() == "26-0001"
    discard = answer_dialog(press="Discard")
    QTest.keyClick(dialog.number, Qt.Key.Key_Escape)
    wait_answered(qtbot, discard)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)


def test_show_live_asks_before_replacing_the_wall_says_who_is_left_off_and_undoes(
    make_window, qtbot: QtBot
) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtTest import QTest

    from tests.presses import answer_dialog, click, wait_answered

    window = make_window(with_wall=True)
    on_request = next(c for c in window.cameras if c.sharing_terms == "recorded_on_request"
                      and c.status == "active" and c.consent_revoked_at is None)  # fmt: skip
    elsewhere = next(c for c in window.cameras if c.division != on_request.division
                     and c.sharing_terms == "live_and_recorded"
                     and c.owner_type == "public_agency")  # fmt: skip
    window.wall.set_layout("2x2")
    window.wall.put_camera(elsewhere, 0)
    before = window.wall.assignments()

    dialog = open_incident_dialog(window, qtbot)
    QTest.keyClicks(dialog.number, "26-0777")
    QTest.keyClicks(dialog.location, f"{on_request.latitude:.6f}, {on_request.longitude:.6f}")
    QTest.keyClick(dialog.location, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.list.count() > 0, timeout=5_000)
    assert dialog.isVisible() and window.incident_panel.incident is None  # Enter ranked, did not save
    click(dialog.buttons.button(dialog.buttons.StandardButton.Save))
    qtbot.waitUntil(lambda: window.incident_panel.incident is not None, timeout=10_000)
    incident = window.incident_panel.incident
    assert on_request.id in incident.camera_ids

    keep = answer_dialog(press="Cancel")
    click(window.incident_panel.live_button)
    wait_answered(qtbot, keep)
    assert keep.title == "Replace the wall?" and any(elsewhere.name in t for t in keep.texts)
    assert window.wall.assignments() == before

    replace = answer_dialog(press="Replace")
    click(window.incident_panel.live_button)
    wait_answered(qtbot, replace)
    shown = {cid for cid in window.wall.assignments() if cid is not None}
    assert shown and shown <= set(incident.camera_ids) and on_request.id not in shown
    message = window.statusBar().currentMessage()
    assert f"Not shown live: {on_request.name} (" in message and "Ctrl+Z" in message

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.wall.layout_name == "2x2" and window.wall.assignments() == before


def test_an_incident_reopens_after_a_restart_with_the_purposes_stated_under_it(
    make_window, qtbot: QtBot
) -> None:  # type: ignore[no-untyped-def]
    """After a restart the incident could not be reopened and every purpose was asked again."""
    from PySide6.QtTest import QTest

    from app.governance import audit
    from app.incidents.service import IncidentInput
    from tests.presses import answer_dialog, wait_answered

    first = make_window()
    store = first.incidents
    near, other, elsewhere = first.cameras[0], first.cameras[1], first.cameras[150]
    saved = store.create(
        IncidentInput("26-0900", "Burglary", datetime.now(UTC) - timedelta(minutes=20), "America/Los_Angeles",
                      near.latitude, near.longitude, 300.0),
        [(near.id, True, "in view"), (other.id, True, "nearby")],
    )  # fmt: skip
    # A camera outside the incident's list, viewed under its number in that session.
    audit.record(store.sessions, "live view started", target_type="camera", target_id=elsewhere.id,
                 purpose="incident 26-0900")  # fmt: skip
    first.close()

    window = make_window()  # the console started again
    assert window.incident_panel.incident is None
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    chosen = answer_dialog()
    QTest.keyClick(window, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    wait_answered(qtbot, chosen)
    assert chosen.title == "Open an incident"
    qtbot.waitUntil(lambda: window.incident_panel.incident is not None, timeout=10_000)
    assert window.incident_panel.incident.number == "26-0900"
    assert window.incident_panel.incident.camera_ids == saved.camera_ids
    stated = window.session.purposes
    qtbot.waitUntil(lambda: stated.for_camera(elsewhere.id).incident == "26-0900", timeout=5_000)
    for camera in (near, other):
        assert window.session.purposes.for_camera(camera.id).incident == "26-0900"


def test_footage_is_requested_from_an_owner_and_the_answer_recorded_in_the_console(
    make_window, qtbot: QtBot
) -> None:  # type: ignore[no-untyped-def]
    """Requests to owners existed only on the command line."""
    from PySide6.QtTest import QTest

    from app.governance.requests import FootageRequests
    from app.incidents.service import IncidentInput
    from app.views.requests_dialog import RequestsDialog
    from tests.presses import answer_dialog, click, wait_answered

    window = make_window()
    camera = next(c for c in window.cameras if c.sharing_terms == "recorded_on_request"
                  and c.status == "active" and c.consent_revoked_at is None)  # fmt: skip
    window.incidents.create(
        IncidentInput("26-0555", "Robbery", datetime.now(UTC) - timedelta(minutes=5), "America/Los_Angeles",
                      camera.latitude, camera.longitude, 300.0), [(camera.id, True, "in view")],
    )  # fmt: skip
    panel = window.camera_panel
    QTest.keyClicks(panel.search, camera.name)
    qtbot.waitUntil(lambda: panel.proxy.rowCount() >= 1, timeout=5_000)
    QTest.mouseClick(panel.table.viewport(), Qt.MouseButton.LeftButton,
                     pos=panel.table.visualRect(panel.proxy.index(0, 0)).center())  # fmt: skip
    assert panel.selected_camera().id == camera.id
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    shift_ctrl = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    QTest.keyClick(window, Qt.Key.Key_R, shift_ctrl)
    qtbot.waitUntil(lambda: bool(window.findChildren(RequestsDialog)), timeout=5_000)
    dialog = window.findChildren(RequestsDialog)[-1]
    qtbot.waitExposed(dialog)
    assert dialog.camera_label.text() == camera.name
    # Without a purpose the core refuses, and says why; what was typed stays.
    click(dialog.ask_button)
    qtbot.waitUntil(lambda: "Not done:" in dialog.status.text(), timeout=5_000)
    QTest.keyClicks(dialog.incident, "26-0555")
    click(dialog.ask_button)
    qtbot.waitUntil(lambda: "pending the owner's answer" in dialog.status.text(), timeout=5_000)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=5_000)
    assert dialog.table.item(0, 4).text() == "pending"
    QTest.mouseClick(dialog.table.viewport(), Qt.MouseButton.LeftButton,
                     pos=dialog.table.visualItemRect(dialog.table.item(0, 1)).center())  # fmt: skip
    answered = answer_dialog("M. Ortiz, store manager")
    click(dialog.approve_button)
    wait_answered(qtbot, answered)
    qtbot.waitUntil(lambda: dialog.table.item(0, 4).text() == "approved by M. Ortiz, store manager",
                    timeout=5_000)  # fmt: skip
    [row] = FootageRequests(window.incidents.sessions).list()
    assert row.status == "approved" and row.purpose == "incident 26-0555"
    dialog.close()


def test_an_incident_is_closed_with_its_disposition_and_reopened_from_the_console(  # type: ignore[no-untyped-def]
    make_window, qtbot: QtBot
) -> None:
    """Only `rtcc incident close` could close one; the console had no way."""
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QComboBox

    from app.governance import audit

    window = make_window()
    saved = saved_near_first_camera(window, "26-0901", "Robbery")
    window.incidents_ui.reopen(saved)  # Ctrl+O, as the test above presses it
    panel = window.incident_panel
    qtbot.waitUntil(lambda: panel.incident is not None and panel.close_button.isEnabled(), timeout=10_000)
    assert panel.close_button.text() == "Close the incident…"

    def disposition_box() -> QComboBox | None:
        return window.findChild(QComboBox, "incident_disposition")

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    QTest.keyClick(
        window, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    qtbot.waitUntil(lambda: disposition_box() is not None and disposition_box().isVisible(), timeout=5_000)
    box = disposition_box()
    assert box is not None
    QTest.keyClick(box, Qt.Key.Key_Escape)  # changed their mind: nothing closed
    qtbot.waitUntil(lambda: disposition_box() is None, timeout=5_000)
    assert panel.incident.closed_at is None

    QTest.mouseClick(panel.close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: disposition_box() is not None and disposition_box().isVisible(), timeout=5_000)
    box = disposition_box()
    line = box.lineEdit()
    QTest.keyClick(line, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(line, "Arrest made, two in custody")
    QTest.keyClick(line, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.incident.closed_at is not None, timeout=10_000)
    assert "CLOSED by" in panel.title.text() and panel.title.text().endswith(": Arrest made, two in custody")
    assert panel.close_button.text() == "Reopen the incident"
    qtbot.waitUntil(lambda: disposition_box() is None, timeout=5_000)
    with window.incidents.sessions() as s:
        assert s.scalar(select(Incident.disposition).where(Incident.number == "26-0901")) == (
            "Arrest made, two in custody"
        )

    QTest.mouseClick(panel.close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.incident.closed_at is None, timeout=10_000)
    assert "CLOSED" not in panel.title.text() and panel.close_button.text() == "Close the incident…"
    entries = [
        (e.action, e.details) for e in audit.query(window.incidents.sessions) if e.case_number == "26-0901"
    ]
    assert ("incident closed", "disposition: Arrest made, two in custody") in entries
    assert any(action == "incident reopened" and "Arrest made" in details for action, details in entries)


def test_the_incident_dock_shows_what_was_done_under_the_incident(make_window, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]
    """Only the auditor could see an incident's own activity; the people working it could not."""
    from PySide6.QtTest import QTest

    from app.governance import audit

    window = make_window()
    near = window.cameras[0]
    saved = saved_near_first_camera(window, "26-0904", "Assault")
    window.incidents_ui.reopen(saved)
    panel = window.incident_panel
    qtbot.waitUntil(lambda: panel.incident is not None, timeout=10_000)
    # Another desk watches a camera under it; the timeline picks it up within seconds.
    sessions = window.incidents.sessions
    audit.record(sessions, "live view started", user="olive", target_type="camera", target_id=near.id,
                 purpose="incident 26-0904; basis: exigent", details="sub stream")  # fmt: skip
    audit.record(sessions, "live view started", user="olive", target_type="camera", target_id=near.id,
                 purpose="incident 26-09040", details="another incident")  # fmt: skip
    bar = panel.tabs.tabBar()
    QTest.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(1).center())
    assert panel.tabs.currentWidget() is panel.timeline

    def lines() -> list[str]:
        return [panel.timeline.item(i).text() for i in range(panel.timeline.count())]

    qtbot.waitUntil(
        lambda: any("olive · live view started · sub stream" in t for t in lines()), timeout=15_000
    )
    assert not any("another incident" in t for t in lines()), "only this incident's entries"
    assert any("incident entered" in t for t in lines()) and any("incident opened" in t for t in lines())
