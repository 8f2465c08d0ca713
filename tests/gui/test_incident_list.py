"""The incidents dock shows a call from a dispatch feed as it arrives (no F5), with its source,
priority and division, as plain text; Enter on it makes it the current incident."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from app.console import use_cases
from app.console.actor import Actor
from app.governance.roles import Role
from app.incidents.dispatch import load_feeds, read_call
from app.incidents.spatial import CameraIndex

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "dispatch"


def test_a_call_from_dispatch_appears_in_the_incidents_dock_and_opens_with_enter(
    make_window, qtbot: QtBot
) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    panel = window.incident_list
    qtbot.waitUntil(lambda: panel.summary.text().startswith("Open incidents: 0"), timeout=10_000)

    # The intake (another process in a center) saves a call. (A number carrying markup is refused
    # there now; markup typed into an incident is shown as text: tests/gui/test_plain_text.py.)
    call = json.loads((SAMPLES / "generic_sample.json").read_text()) | {"call_number": "LAPD-9"}
    feed = load_feeds(SAMPLES)["generic"]
    use_cases.receive_dispatch_call(window.session.sessions, Actor("feed:generic", Role.DISPATCH_FEED),
                                    read_call(json.dumps(call).encode(), feed), CameraIndex(window.cameras),
                                    None, "America/Los_Angeles")  # fmt: skip
    saved_at = time.monotonic()
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1, timeout=10_000)
    assert time.monotonic() - saved_at < 2.5, "reached the dock within the feed's 2 s"
    row = [panel.table.item(0, c).text() for c in range(panel.table.columnCount())]
    assert row[:4] == ["LAPD-9", "Robbery", "1", "Hollywood"] and row[5] == "feed generic · queued"
    # Every column fits the dock: the source takes the room left, elided, whole in its tooltip.
    window.docks["incidents"].raise_()
    table = panel.table
    qtbot.waitUntil(table.isVisible, timeout=5_000)
    assert not table.horizontalScrollBar().isVisible()
    right = table.horizontalHeader().sectionViewportPosition(5) + table.horizontalHeader().sectionSize(5)
    assert right <= table.viewport().width() and table.item(0, 5).toolTip() == "feed generic · queued"
    assert panel.table.item(0, 0).font().bold(), "a call that just arrived stands out"
    assert "1 from dispatch feeds" in panel.summary.text()
    # Waiting calls are counted in the status bar (none were there when the console started).
    qtbot.waitUntil(lambda: window.status.queued.text() == "Queued calls: 1", timeout=5_000)
    assert window.status.queued.isVisible()

    # The dispatcher goes to the Incidents tab, picks the call and presses Enter.
    window.docks["incidents"].raise_()
    rect = panel.table.visualItemRect(panel.table.item(0, 1))
    QTest.mouseClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    QTest.keyClick(panel.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.incident_panel.incident is not None, timeout=10_000)
    assert window.incident_panel.incident.number == "LAPD-9"
    qtbot.waitUntil(lambda: not window.status.queued.isVisible(), timeout=5_000)  # opened here: not waiting
    assert window.incident_panel.title.text().startswith("LAPD-9 · Robbery")
    # Opening it went through the use case: the audit log says who opened it, where.
    from app.governance import audit

    opened = [e for e in audit.query(window.session.sessions) if e.action == "incident opened"]
    assert [(e.username, e.case_number) for e in opened] == [("tester", "LAPD-9")]


def test_a_call_a_rule_opens_goes_live_on_the_wall_with_an_alert_and_is_audited(
    make_window, qtbot: QtBot
) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from app.governance.gate import why_not_live
    from app.incidents.dispatch_rules import Rule
    from app.models.tables import AuditEvent

    window = make_window(with_wall=True, home=frozenset({"Hollywood"}))
    banner = window.alert_banner
    qtbot.waitUntil(lambda: panel_ready(window), timeout=10_000)
    rule = Rule("p1 robbery Hollywood", frozenset({"robbery"}), 1, frozenset({"Hollywood"}), 2, "main", True)
    feed = load_feeds(SAMPLES)["generic"]
    sample = json.loads((SAMPLES / "generic_sample.json").read_text())

    def arrives(**changes: object) -> None:
        call = read_call(json.dumps(sample | changes).encode(), feed)
        actor = Actor("feed:generic", Role.DISPATCH_FEED)
        index = CameraIndex(window.cameras)
        use_cases.receive_dispatch_call(window.session.sessions, actor, call, index, None, "UTC", [rule])

    arrives()
    qtbot.waitUntil(banner.isVisible, timeout=10_000)
    text = banner.text.text()
    assert "Priority 1 Robbery · LAPD-261130-0417 · Hollywood" in text and "rule p1 robbery Hollywood" in text
    # The call becomes the current incident once its purposes are read on a worker: the banner
    # can be up first on a busy machine.
    qtbot.waitUntil(lambda: window.incident_panel.incident is not None, timeout=10_000)
    incident = window.incident_panel.incident
    assert incident.number == "LAPD-261130-0417"
    usable = [i for i in incident.camera_ids if why_not_live(window.session.camera(i)) is None][:2]
    assert usable and [i for i in window.wall.assignments() if i is not None] == usable
    automatic = select(AuditEvent.details).where(AuditEvent.action == "automatic action")

    def audited() -> list[str]:
        with window.session.sessions() as s:
            return list(s.scalars(automatic))

    qtbot.waitUntil(lambda: bool(audited()), timeout=10_000)
    (details,) = audited()
    assert details.startswith("rule p1 robbery Hollywood:") and "camera(s) going live on main" in details
    shots = os.environ.get("RTCC_WALKTHROUGH_SHOTS")
    if shots:  # for the docs: the console as the alert arrives
        window.grab().save(str(Path(shots) / "rule-alert.png"))

    # The operator dismisses it with the shortcut; a call no rule takes waits, queued: no red alert,
    # an amber notice (it was only a bold row on a tab that is usually hidden).
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    QTest.keyClick(
        window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    assert not banner.isVisible() and not window.alert_bar.isVisible()
    arrives(call_number="LAPD-261130-0500", priority=4)
    panel = window.incident_list
    qtbot.waitUntil(lambda: panel.table.rowCount() == 2, timeout=10_000)
    sources = {panel.table.item(r, 0).text(): panel.table.item(r, 5).text() for r in range(2)}
    assert sources == {"LAPD-261130-0417": "feed generic · rule p1 robbery Hollywood",
                       "LAPD-261130-0500": "feed generic · queued"}  # fmt: skip
    qtbot.waitUntil(banner.isVisible, timeout=10_000)
    assert banner.level == "notice" and banner.text.text().startswith(
        "Queued call from dispatch: priority 4 Robbery · LAPD-261130-0500 · Hollywood"
    )
    assert window.status.queued.isVisible() and window.status.queued.text() == "Queued calls: 1"


def panel_ready(window) -> bool:  # type: ignore[no-untyped-def]
    return window.incident_list.summary.text().startswith("Open incidents: 0")
