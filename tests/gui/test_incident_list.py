"""The incidents dock shows a call from a dispatch feed as it arrives (no F5), with its source,
priority and division, as plain text; Enter on it makes it the current incident."""

from __future__ import annotations

import json
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

    # The intake (another process in a center) saves a call; its number carries markup.
    call = json.loads((SAMPLES / "generic_sample.json").read_text()) | {"call_number": "<b>LAPD-9</b>"}
    feed = load_feeds(SAMPLES)["generic"]
    use_cases.receive_dispatch_call(window.session.sessions, Actor("feed:generic", Role.DISPATCH_FEED),
                                    read_call(json.dumps(call).encode(), feed), CameraIndex(window.cameras),
                                    None, "America/Los_Angeles")  # fmt: skip
    saved_at = time.monotonic()
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1, timeout=10_000)
    assert time.monotonic() - saved_at < 2.5, "reached the dock within the feed's 2 s"
    row = [panel.table.item(0, c).text() for c in range(panel.table.columnCount())]
    assert row[:5] == ["<b>LAPD-9</b>", "Robbery", "1", "Hollywood", "feed generic"]
    assert panel.table.item(0, 0).font().bold(), "a call that just arrived stands out"
    assert "1 from dispatch feeds" in panel.summary.text()

    # The dispatcher goes to the Incidents tab, picks the call and presses Enter.
    window.docks["incidents"].raise_()
    rect = panel.table.visualItemRect(panel.table.item(0, 1))
    QTest.mouseClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    QTest.keyClick(panel.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.incident_panel.incident is not None, timeout=10_000)
    assert window.incident_panel.incident.number == "<b>LAPD-9</b>"
    assert window.incident_panel.title.text().startswith("<b>LAPD-9</b> · Robbery")
