"""What the recorder believes of a camera's clock shows where the operator looks: a clock not
trusted on its tile, in the camera list's Recording column, the details and the status bar; a
trusted clock's delay as the age of the picture on the tile. All from the media service's own
status, which the console's feed reads every 5 s."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from app.console.use_cases import Grant
from app.governance.gate import why_not_live
from app.governance.grants import GRANT_TTL
from app.models.db import open_database
from app.models.rows import CameraRow
from app.video.clock_watch import ClockLimits
from app.video.media_service import MediaService
from app.video.media_status import clock_delays, clock_faults, fetch_status
from app.video.misbehaviour import Misbehaviour
from app.video.simulator_process import SimulatorProcess
from app.views.main_window import MainWindow
from app.views.wall.tile import LIGHT_STATE_COLOURS, STATE_COLOURS, TileState, VideoTile
from tests.helpers.live import cameras_on, grant


@contextmanager
def recorded_as(window: MainWindow, tmp_path: Path, faults: Misbehaviour, limits: ClockLimits | None = None
                ) -> Iterator[tuple[CameraRow, MediaService, SimulatorProcess]]:  # fmt: skip
    """A public camera of the console's, played and recorded through a media service of its own
    whose registry numbers its cameras as the console's does up to that one (the others there
    are registered only, never pulled), so that the console's camera is a simulated one
    misbehaving as ``faults`` says."""
    shown = next(
        r for r in window.cameras
        if why_not_live(r) is None and r.owner_type == "public_agency" and r.status == "active"
    )  # fmt: skip
    service = MediaService(open_database(f"sqlite:///{tmp_path / 'media.sqlite'}"), port=0, linger_s=1.0)
    service.start()
    try:
        with SimulatorProcess(1, port=0, misbehaving={1: faults}) as sim:
            others = {
                f"other {i}": {"index": "1", "sharing_terms": "registered_only"} for i in range(1, shown.id)
            }
            cams = cameras_on(
                sim, service.registry, **others, gate={"index": "1", "owner_type": "public_agency"}
            )
            assert cams["gate"].id == shown.id
            service.start_recording(
                tmp_path / "recordings", segment_s=2.0, check_every_s=0.3, clock_limits=limits
            )
            window.session.media_url = service.base_url
            # The service checks grants in its own database: the console holds one written there.
            token = grant(service.sessions, shown.id, purpose="", user=window.session.actor.username)
            purpose = window.session.purposes.for_camera(shown.id)
            window.session.grants.granted(Grant(shown.id, purpose, token, datetime.now(UTC) + GRANT_TTL))
            yield shown, service, sim
            service.stop_recording()
    finally:
        service.close()


def wait_for_status(service: MediaService, holds: Callable[[dict[str, Any] | None], bool], why: str) -> None:
    deadline = time.monotonic() + 90
    while not holds(fetch_status(service.base_url)):
        assert time.monotonic() < deadline, why
        time.sleep(0.5)


def open_on_wall(window: MainWindow, camera: CameraRow) -> VideoTile:
    """Select the camera in the list and press Enter, as a person would."""
    assert window.camera_panel.select_camera(camera.id)
    window.camera_panel.table.setFocus()
    QTest.keyClick(window.camera_panel.table, Qt.Key.Key_Return)
    return next(t for t in window.wall.visible_tiles if t.camera is not None)


def test_a_camera_hours_off_says_clock_not_trusted_on_its_tile_list_and_status_bar(
    make_window, qtbot: QtBot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    window = make_window(with_wall=True)
    with recorded_as(window, tmp_path, Misbehaviour(offset=7200)) as (shown, service, _sim):
        wait_for_status(service, lambda s: shown.id in clock_faults(s), "the recorder never judged the clock")
        tile = open_on_wall(window, shown)
        qtbot.waitUntil(lambda: "clock not trusted" in tile.header.text(), timeout=30_000)
        assert "its clock is 2 h 0 min ahead of arrival" in tile.header.toolTip()
        assert "placed by their arrival" in tile.header.toolTip()
        model = window.camera_panel.model
        row = next(i for i, r in enumerate(model.rows) if r.id == shown.id)
        header = Qt.Orientation.Horizontal
        column = next(i for i in range(model.columnCount()) if model.headerData(i, header) == "Recording")
        cell = model.index(row, column)
        assert str(model.data(cell)) == "● REC · clock not trusted"
        tooltip = str(model.data(cell, Qt.ItemDataRole.ToolTipRole))
        assert "camera clock not trusted (its clock is 2 h 0 min ahead of arrival)" in tooltip
        assert "camera clock not trusted (its clock is 2 h 0 min ahead" in window.details.text()
        assert "1 clock(s) not trusted" in window.status.media.text()
        assert "1 camera clock(s) not trusted, placed by arrival" in window.status.media.toolTip()


def test_a_tile_whose_pictures_are_old_by_the_cameras_trusted_clock_says_behind(
    make_window, qtbot: QtBot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """A camera whose trusted clock says its pictures reach the media service 3 s after they were
    taken (a recorder allowed 10 s of delay): its tile says "behind by 3 s" (or 4) in the warning colour,
    without statistics shown and without reading any burned-in clock."""
    window = make_window(with_wall=True)
    limits = ClockLimits(max_offset_s=10.0, probation_s=3.0, drift_span_s=3.0)
    with recorded_as(window, tmp_path, Misbehaviour(), limits) as (shown, service, sim):
        wait_for_status(
            service, lambda s: shown.id in clock_delays(s), "the recorder never trusted the clock"
        )
        sim.jump_clock(1, -3.0)  # from now on its clock dates every picture 3 s earlier
        wait_for_status(
            service,
            lambda s: clock_delays(s).get(shown.id, 0.0) >= 2.5,
            "the recorder never trusted its new clock",
        )
        tile = open_on_wall(window, shown)
        # 3 s by the camera's clock, plus its own delay and this player's buffering (0.3-0.7 s):
        # "3 s" or "4 s", whichever side of the half second the measurement falls.
        qtbot.waitUntil(
            lambda: re.search(r"behind by [34] s", tile.header.text()) is not None, timeout=60_000
        )
        assert tile.state == TileState.LIVE and not tile.show_stats
        warning = {STATE_COLOURS[TileState.STALLED], LIGHT_STATE_COLOURS[TileState.STALLED]}
        assert any(colour in tile.header.styleSheet() for colour in warning)
        assert "clock not trusted" not in tile.header.text()
