"""A camera whose clock the recorder does not trust says so where the operator looks: on its
tile, in the camera list's Recording column, and in the status bar, from the media service's
own status (the console's feed reads it every 5 s)."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from app.governance.gate import why_not_live
from app.models.db import open_database
from app.video.media_service import MediaService
from app.video.media_status import clock_faults, fetch_status
from app.video.misbehaviour import Misbehaviour
from app.video.simulator_process import SimulatorProcess
from tests.e2e.test_media_service import cameras_on


def test_a_camera_hours_off_says_clock_not_trusted_on_its_tile_list_and_status_bar(
    make_window, qtbot: QtBot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    window = make_window(with_wall=True)
    shown = next(
        r for r in window.cameras
        if why_not_live(r) is None and r.owner_type == "public_agency" and r.status == "active"
    )  # fmt: skip
    # The media service's registry numbers its cameras as the console's does up to the one shown,
    # so that the console's camera plays the simulated camera whose clock is two hours ahead;
    # the others are registered only (never pulled).
    service = MediaService(
        open_database(f"sqlite:///{tmp_path / 'media.sqlite'}"), port=0, linger_s=1.0
    ).start()
    try:
        with SimulatorProcess(1, port=0, misbehaving={1: Misbehaviour(offset=7200)}) as sim:
            others = {
                f"other {i}": {"index": "1", "sharing_terms": "registered_only"} for i in range(1, shown.id)
            }
            cams = cameras_on(
                sim, service.registry, **others, gate={"index": "1", "owner_type": "public_agency"}
            )
            assert cams["gate"].id == shown.id
            service.start_recording(tmp_path / "recordings", segment_s=2.0, check_every_s=0.3)
            deadline = time.monotonic() + 60
            while shown.id not in clock_faults(fetch_status(service.base_url)):
                assert time.monotonic() < deadline, "the recorder never judged the camera's clock"
                time.sleep(0.5)

            window.media_url = service.base_url
            assert window.camera_panel.select_camera(shown.id)
            window.camera_panel.table.setFocus()
            QTest.keyClick(window.camera_panel.table, Qt.Key.Key_Return)
            tile = next(t for t in window.wall.visible_tiles if t.camera is not None)
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
            service.stop_recording()
    finally:
        service.close()
