"""The scrub view's timeline says which footage was placed by arrival, where the operator looks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from pytestqt.qtbot import QtBot

from app.playback.timeline import CameraTimeline, SegmentRef
from app.views.scrub.timeline import AXIS_H, COLORS, ROW_H, TimelineWidget, row_label

T0 = datetime(2026, 12, 7, 4, 19, tzinfo=UTC)


def segment(i: int, camera: int, start_s: float, clock: str) -> SegmentRef:
    start = T0 + timedelta(seconds=start_s)
    return SegmentRef(
        i, camera, Path(f"{i}.mkv"), start, start + timedelta(seconds=59.9), "0" * 64, 1, clock_source=clock
    )


def test_footage_placed_by_arrival_carries_a_band_and_its_camera_says_times_by_arrival(qtbot: QtBot) -> None:
    honest = CameraTimeline(1, [segment(1, 1, 0, "camera RTCP"), segment(2, 1, 60, "camera RTCP")])
    lying = CameraTimeline(
        2, [segment(3, 2, 0, "camera RTCP"), segment(4, 2, 60, "arrival less measured delay")]
    )
    widget = TimelineWidget(T0, T0 + timedelta(minutes=2))
    qtbot.addWidget(widget)
    widget.resize(900, AXIS_H + 3 * ROW_H)
    widget.set_rows([("Gate", honest), ("Lobby", lying)])
    widget.show()
    qtbot.waitExposed(widget)
    assert row_label("Gate", honest, widget.start, widget.end) == "Gate"
    assert row_label("Lobby", lying, widget.start, widget.end) == "Lobby · times by arrival"
    # Only the first minute in view: the lobby's footage there was placed by its own clock.
    assert row_label("Lobby", lying, T0, T0 + timedelta(seconds=50)) == "Lobby"
    image = widget.grab().toImage()
    band_y = AXIS_H + ROW_H + 5
    placed_by_arrival = widget.x_of(T0 + timedelta(seconds=90))
    by_camera = widget.x_of(T0 + timedelta(seconds=30))
    assert image.pixelColor(int(placed_by_arrival), band_y) == COLORS["by_arrival"]
    assert image.pixelColor(int(by_camera), band_y) == COLORS["recorded"]
    assert image.pixelColor(int(placed_by_arrival), AXIS_H + 5) == COLORS["recorded"]  # the gate's row


def test_the_marks_text_never_widens_the_scrub_window(city_registry, qtbot: QtBot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The window grew wider a mark at a time: the marks' text pushed it."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from app.console.session import workstation_session
    from app.views.scrub.window import ScrubWindow

    cameras = city_registry.list_cameras()[:4]
    window = ScrubWindow(workstation_session(city_registry.sessions), tmp_path, cameras, datetime.now(UTC),
                         title="26-0903", case_number="26-0903")  # fmt: skip
    qtbot.addWidget(window)
    window.resize(900, 700)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    qtbot.waitUntil(lambda: window.loaded, timeout=20_000)
    window.resize(window.minimumSizeHint().width(), 700)  # as narrow as it goes: no room to spare
    qtbot.waitUntil(lambda: window.width() == window.minimumSizeHint().width(), timeout=5_000)
    width = window.width()
    for _ in range(3):
        QTest.keyClick(window, Qt.Key.Key_I)  # mark in
        QTest.keyClick(window, Qt.Key.Key_Right)
        QTest.keyClick(window, Qt.Key.Key_O)  # mark out
    assert window.width() == width
    label = window.marks_label
    assert label.text() and label.toolTip(), "the marks are said, whole in the tooltip"


def test_the_timeline_of_a_recent_incident_grows_as_the_cameras_record(  # type: ignore[no-untyped-def]
    city_registry, qtbot: QtBot, tmp_path: Path, monkeypatch
) -> None:
    """The timeline was frozen at the moment the view opened, on an incident still unfolding."""
    from app.console.session import workstation_session
    from app.incidents.service import IncidentInput, IncidentStore
    from app.models.tables import EvidenceItem
    from app.views.scrub import window as scrub_window
    from app.views.scrub.window import ScrubWindow

    monkeypatch.setattr(scrub_window, "GROW_EVERY_MS", 200)
    sessions = city_registry.sessions
    camera = next(c for c in city_registry.list_cameras() if c.owner_type == "public_agency")
    reported = datetime.now(UTC) - timedelta(minutes=2)
    IncidentStore(sessions).create(
        IncidentInput("26-0905", "Robbery", reported, "UTC", camera.latitude, camera.longitude, 300.0),
        [(camera.id, True, "in view")],
    )

    def recorded(start: datetime, end: datetime) -> None:  # the recorder indexing a segment
        with sessions.begin() as s:
            s.add(EvidenceItem(kind="segment", camera_id=camera.id, path=f"{camera.id}/{start:%H%M%S}.mkv",
                               sha256="0" * 64, size_bytes=1, start_at=start, end_at=end))  # fmt: skip

    recorded(reported - timedelta(seconds=60), datetime.now(UTC) - timedelta(seconds=1))
    window = ScrubWindow(workstation_session(sessions), tmp_path, [camera], reported, title="26-0905",
                         case_number="26-0905")  # fmt: skip
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.loaded, timeout=20_000)
    assert not window.refusals.get(camera.id)
    opened_end, row = window.end, window.timelines[camera.id]
    assert len(row.segments) == 1
    recorded(opened_end - timedelta(milliseconds=50), opened_end + timedelta(seconds=3))
    qtbot.waitUntil(lambda: len(row.segments) == 2 and window.end > opened_end, timeout=15_000)
    assert window.timeline.end == window.end and window.timeline.rows[0][1] is row
