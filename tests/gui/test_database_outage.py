"""The PostgreSQL server goes away under a running console and comes back: the console says so
in red, a save made meanwhile is refused with the reason and keeps what the dispatcher typed,
and after the restart the console recovers on its own: the same save goes through, and what
another workstation changed during the outage arrives."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from app.bench.postgres_cluster import DatabaseFactory, ThrowawayCluster
from app.incidents.service import IncidentInput, IncidentStore
from app.models.db import open_database
from tests.helpers.incident_dialog import open_incident_dialog
from tests.server_connections import closing_server_connections


@pytest.fixture
def cluster() -> Iterator[ThrowawayCluster]:
    """A server of this test's own: it is stopped and started again under the console."""
    with ThrowawayCluster() as own:
        yield own


@pytest.fixture
def db_url(cluster: ThrowawayCluster) -> Iterator[str]:  # the console's registry lives on that server
    with closing_server_connections():
        yield DatabaseFactory(cluster.admin_url).new_database()


def test_the_database_going_away_and_coming_back_under_a_running_console(
    make_window,
    cluster: ThrowawayCluster,
    db_url: str,
    qtbot: QtBot,  # type: ignore[no-untyped-def]
) -> None:
    window = make_window()
    down = window.findChild(QLabel, "database_down")
    assert down is not None and not down.isVisible()

    cluster.halt()
    qtbot.waitUntil(down.isVisible, timeout=15_000)
    assert "Database not answering" in down.text()

    # The dispatcher types an incident and saves while the server is away.
    dialog = open_incident_dialog(window, qtbot)
    target = window.cameras[0]
    number = dialog.number
    QTest.keyClicks(number, "26-OUTAGE-1")
    QTest.keyClicks(dialog.location, f"{target.latitude:.6f}, {target.longitude:.6f}")
    QTest.keyClicks(dialog.notes, "caller on the line; do not lose this")
    QTest.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Save), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Not saved" in dialog.error.text(), timeout=30_000)
    assert "not answering" in dialog.error.text() and "kept" in dialog.error.text()
    assert dialog.isVisible() and number.text() == "26-OUTAGE-1"
    assert dialog.notes.toPlainText() == "caller on the line; do not lose this"

    cluster.resume()
    qtbot.waitUntil(lambda: not down.isVisible(), timeout=15_000)
    # Another workstation opens an incident; this console hears of it.
    other = open_database(db_url)
    IncidentStore(other).create(
        IncidentInput(
            "26-OTHER-1", "robbery", datetime.now(UTC), "UTC", target.latitude, target.longitude, 100.0
        ),
        [],
    )
    qtbot.waitUntil(lambda: "26-OTHER-1" in window.statusBar().currentMessage(), timeout=10_000)
    assert "opened by" in window.statusBar().currentMessage()
    other.kw["bind"].dispose()

    # The same save, pressed again, goes through with everything typed.
    QTest.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Save), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.incident_panel.incident is not None, timeout=15_000)
    saved = window.incident_panel.incident
    assert saved.number == "26-OUTAGE-1" and saved.notes == "caller on the line; do not lose this"
