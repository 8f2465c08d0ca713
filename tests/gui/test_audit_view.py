"""The auditor's view in the console: filters, the chain's state, and a formula-safe CSV export."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from pytestqt.qtbot import QtBot
from sqlalchemy import text

from app.governance import audit
from app.registry.service import Registry
from app.views.audit_view import AuditDialog


def second_looks(registry: Registry, qtbot: QtBot, cameras: dict[int, str], key_dir: Path | None = None
                 ) -> tuple[AuditDialog, Any]:  # fmt: skip
    """The console's auditor's view, on its second tab as a click puts it (``key_dir``: where
    the agency's signing key is kept on a workstation with no keyring, as the console passes it)."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from app.console.actor import Actor
    from app.governance.roles import Role

    dialog = AuditDialog(registry._sessions, cameras, actor=Actor("ada", Role.AUDITOR), key_dir=key_dir)
    qtbot.addWidget(dialog)
    dialog.resize(1300, 800)
    dialog.show()
    qtbot.waitExposed(dialog)
    bar = dialog.tabs.tabBar()
    QTest.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(1).center())
    assert dialog.oversight is not None
    return dialog, dialog.oversight


def fill(registry: Registry) -> None:
    sessions = registry._sessions
    audit.record(sessions, "live view started", user="jdoe", target_type="camera", target_id=7,
                 purpose="incident 2026-0412", case_number="2026-0412", details="sub stream")  # fmt: skip
    audit.record(sessions, "playback opened", user="asmith", target_type="camera", target_id=9,
                 purpose="case C-77", case_number="C-77", details="=HYPERLINK(\"http://x\")")  # fmt: skip
    audit.record(sessions, "live view stopped", user="jdoe", target_type="camera", target_id=7,
                 purpose="incident 2026-0412", case_number="2026-0412", details="40 s")  # fmt: skip


def test_the_auditor_filters_by_person_camera_and_case(
    registry: Registry, qtbot: QtBot, tmp_path: Path
) -> None:
    fill(registry)
    dialog = AuditDialog(registry._sessions, {7: "HOL-007 Sunset", 9: "HOL-009 Vine"})
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: "Hash chain intact" in dialog.chain.text(), timeout=5_000)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 4, timeout=5_000)  # and "audit log opened"
    dialog.person.setText("jdoe")
    dialog.search()
    qtbot.waitUntil(lambda: dialog.count.text() == "2 entries", timeout=5_000)
    assert dialog.model.data(dialog.model.index(0, 4)) == "HOL-007 Sunset (#7)"
    dialog.person.clear()
    dialog.camera.setText("hol-009 vine")
    dialog.search()
    qtbot.waitUntil(lambda: dialog.count.text() == "1 entries", timeout=5_000)
    assert dialog.model.entries[0].username == "asmith"
    dialog.camera.setText("nowhere")
    dialog.search()
    assert "no camera named 'nowhere'" in dialog.count.text()
    dialog.camera.clear()
    dialog.case.setText("2026-0412")
    dialog.search()
    qtbot.waitUntil(lambda: dialog.count.text() == "2 entries", timeout=5_000)
    dialog.case.clear()
    target = tmp_path / "audit.csv"
    dialog.export(target)
    qtbot.waitUntil(lambda: "written to" in dialog.count.text(), timeout=5_000)
    with target.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert any(r["details"].startswith("'=HYPERLINK") for r in rows)
    actions = [e.action for e in audit.query(registry._sessions)]
    assert "audit log opened" in actions and actions[-1] == "audit log exported"
    dialog.close()


def test_an_operator_is_refused_the_audit_log_and_the_refusal_is_recorded(
    registry: Registry, qtbot: QtBot, tmp_path: Path
) -> None:
    """The view reads through the use cases: an operator's read and export are refused by the
    role table, with the reason on screen, and nothing is written."""
    from app.console.actor import Actor
    from app.governance.roles import Role

    fill(registry)
    dialog = AuditDialog(registry._sessions, actor=Actor("olive", Role.OPERATOR))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: "may not read and export the audit log" in dialog.count.text(), timeout=5_000)
    assert dialog.model.rowCount() == 0
    dialog.export(tmp_path / "audit.csv")
    qtbot.waitUntil(lambda: "may not read and export the audit log" in dialog.count.text(), timeout=5_000)
    assert not (tmp_path / "audit.csv").exists()
    refused = [e for e in audit.query(registry._sessions, user="olive") if e.action == "refused"]
    assert len(refused) >= 2 and all(e.details == "operator: read and export the audit log" for e in refused)
    dialog.close()


def test_the_auditor_sees_a_broken_chain(registry: Registry, qtbot: QtBot) -> None:
    fill(registry)
    with registry._sessions.begin() as s:  # someone edits a line straight in the database
        s.execute(text("update audit_events set username = 'nobody' where id = 2"))
    dialog = AuditDialog(registry._sessions)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: "HASH CHAIN BROKEN at entry 2" in dialog.chain.text(), timeout=5_000)
    dialog.close()


def test_the_auditors_second_looks_and_reports_in_the_console(  # type: ignore[no-untyped-def]
    registry: Registry, qtbot: QtBot, tmp_path: Path
) -> None:
    import os
    from datetime import UTC, datetime, timedelta

    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from app.incidents.service import IncidentInput, IncidentStore
    from tests.helpers.governance import add

    far = add(registry, "far", latitude="34.1083")  # GOOD's owner, Sunset Liquor; 1.1 km north
    reported = datetime.now(UTC) - timedelta(hours=1)
    IncidentStore(registry._sessions).create(
        IncidentInput("26-0042", "burglary", reported, "UTC", 34.0983, -118.3267, 200.0), []
    )
    audit.record(registry._sessions, "playback opened", user="ollie", target_type="camera", target_id=far.id,
                 purpose="incident 26-0042; basis: owner's consent", details="far: a window")  # fmt: skip
    dialog, panel = second_looks(registry, qtbot, {far.id: "far"}, tmp_path / "data")
    qtbot.waitUntil(lambda: panel.list.count() == 1, timeout=10_000)
    assert (
        "far from its incident" in panel.list.item(0).text() and "1,112 m away" in panel.list.item(0).text()
    )
    QTest.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton,
                     pos=panel.list.visualItemRect(panel.list.item(0)).center())  # fmt: skip
    QTest.keyClicks(panel.reason, "justification #4 approved by Lt. Ray")
    QTest.mouseClick(panel.dismiss, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: panel.list.count() == 1 and "dismissed" in panel.list.item(0).text(), timeout=10_000
    )

    panel.folder.setText(str(tmp_path / "reports"))
    QTest.keyClicks(panel.owner, "Sunset Liquor")
    QTest.mouseClick(panel.owner_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.status.text().startswith("Wrote owner-Sunset-Liquor"), timeout=10_000)
    QTest.mouseClick(panel.public_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.status.text().startswith("Wrote transparency-"), timeout=10_000)
    assert "its checkpoint is signed with the agency key" in panel.status.text()
    written = sorted(p.suffix for p in (tmp_path / "reports").iterdir())
    assert written == [".csv", ".json", ".pdf", ".pdf"]
    shots = os.environ.get("RTCC_WALKTHROUGH_SHOTS")
    if shots:
        dialog.grab().save(str(Path(shots) / "second-looks.png"))
    actions = [e.action for e in audit.query(registry._sessions)]
    assert {
        "anomalies reviewed",
        "anomaly dismissed",
        "owner's report made",
        "transparency report published",
    } <= set(actions)


def test_the_auditor_lists_the_cameras_whose_clock_was_not_trusted(  # type: ignore[no-untyped-def]
    registry: Registry, qtbot: QtBot
) -> None:
    from datetime import UTC, datetime, timedelta

    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from app.governance.custody import append_event
    from app.models.tables import EvidenceItem
    from tests.helpers.governance import add

    gate = add(registry, "gate")
    start = datetime.now(UTC) - timedelta(hours=1)
    with registry._sessions.begin() as s:
        for n, source in enumerate(
            ("camera RTCP", "arrival less measured delay", "arrival less measured delay")
        ):
            at = start + timedelta(minutes=n)
            item = EvidenceItem(
                kind="segment", camera_id=gate.id, path=f"g/{n}.mkv", sha256="0" * 64, size_bytes=1,
                start_at=at, end_at=at + timedelta(seconds=59), clock_source=source,
            )  # fmt: skip
            s.add(item)
            s.flush()
            why = "" if n == 0 else "; camera clock not trusted: its clock is 2 h 0 min ahead of arrival"
            append_event(s, item, "recorded", f"segment, media service; clock: {source}{why}")
    _dialog, panel = second_looks(registry, qtbot, {gate.id: "gate"})
    QTest.mouseClick(panel.clocks_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.clocks.count() == 1, timeout=10_000)
    line = panel.clocks.item(0).text()
    assert line.startswith("gate · 2 segment(s) placed by arrival") and line.endswith(
        "camera clock not trusted: its clock is 2 h 0 min ahead of arrival"
    ), line
    assert "camera clocks reviewed" in [e.action for e in audit.query(registry._sessions)]


def test_the_target_column_names_incidents_as_people_know_them(registry: Registry, qtbot: QtBot) -> None:
    from datetime import UTC, datetime, timedelta

    from app.incidents.service import IncidentInput, IncidentStore

    IncidentStore(registry._sessions).create(
        IncidentInput("26-0412", "Robbery", datetime.now(UTC) - timedelta(hours=1), "UTC", 34.0983, -118.3267,
                      200.0), []
    )  # fmt: skip
    dialog = AuditDialog(registry._sessions)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.model.rowCount() >= 1, timeout=5_000)
    shown = {dialog.model.data(dialog.model.index(row, 3)): dialog.model.data(dialog.model.index(row, 4))
             for row in range(dialog.model.rowCount())}  # fmt: skip
    assert shown["incident entered"] == "incident 26-0412 Robbery", "not the row id ('incident 1')"
