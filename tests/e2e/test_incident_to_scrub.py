"""From recorded cameras to an incident to the scrub view, end to end: several simulated cameras
recorded for a minute, an incident in view of some and behind another, ranked as the geometry
says, and the scrub view showing in every tile the frame recorded at the seek time."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.console.session import workstation_session
from app.incidents.selection import rank_cameras
from app.incidents.service import IncidentInput, IncidentStore
from app.models.db import open_database
from app.models.tables import EvidenceItem
from app.video.media_service import MediaService
from app.video.simulator_process import SimulatorProcess
from tests.helpers.clocks import tile_clock_s
from tests.helpers.live import cameras_on

pytestmark = pytest.mark.e2e

P_LAT, P_LON = 34.0500, -118.2500  # where the incident happens


# A minute of recording for a view: recording, ranking and incidents run on both databases in
# their own tests.
@pytest.mark.sqlite_only
def test_a_recorded_minute_an_incident_and_the_scrub_view(tmp_path: Path, qtbot, db_url: str) -> None:  # type: ignore[no-untyped-def]
    from app.views.scrub.window import ScrubWindow

    url = db_url
    svc = MediaService(open_database(url), port=0, linger_s=1.0).start()
    root = tmp_path / "recordings"
    try:
        with SimulatorProcess(3, port=0) as sim:
            cams = cameras_on(
                sim, svc.registry,
                # 50 m south of the spot, looking north at it.
                south={"latitude": f"{P_LAT - 0.00045:.6f}", "longitude": f"{P_LON:.6f}", "heading_deg": "0"},
                # 80 m west, looking east at it.
                west={"latitude": f"{P_LAT:.6f}", "longitude": f"{P_LON - 0.00087:.6f}", "heading_deg": "90",
                      "range_m": "120"},
                # 30 m north, looking north: the spot is behind it.
                north={"latitude": f"{P_LAT + 0.00027:.6f}", "longitude": f"{P_LON:.6f}", "heading_deg": "0"},
            )  # fmt: skip
            svc.start_recording(root, segment_s=10.0, check_every_s=0.5)
            started = time.monotonic()
            qtbot.waitUntil(lambda: time.monotonic() - started > 62, timeout=90_000)
            svc.stop_recording()
    finally:
        svc.close()
    sessions = open_database(url)
    with sessions() as s:
        segments = list(s.scalars(select(EvidenceItem).where(EvidenceItem.kind == "segment")))
    for name in ("south", "west", "north"):
        mine = [seg for seg in segments if seg.camera_id == cams[name].id]
        assert sum((seg.end_at - seg.start_at).total_seconds() for seg in mine) > 50, name
    first = min(seg.start_at for seg in segments)

    # The incident 40 s into the recording: the two cameras facing the spot first, nearest first.
    reported = first + timedelta(seconds=40)
    ranked = rank_cameras(svc.registry.list_cameras(), P_LAT, P_LON, 300)
    assert [c.camera.name for c in ranked] == ["south", "west", "north"]
    assert [c.in_view for c in ranked] == [True, True, False]
    assert ranked[0].label.startswith("in view, 50 m") and ranked[2].label.startswith("nearby, facing away")
    store = IncidentStore(sessions)
    incident = store.create(
        IncidentInput("26-0042", "robbery", reported, "America/Los_Angeles", P_LAT, P_LON, 300.0),
        [(c.camera.id, True, c.reason) for c in ranked],
    )

    # The scrub view opens 10 s before the reported time; a seek shows every camera's frame of then.
    rows = {c.id: c for c in svc.registry.list_cameras()}
    window = ScrubWindow(workstation_session(sessions), root, [rows[i] for i in incident.camera_ids],
                         incident.reported_at,
                         margin=timedelta(seconds=10), case_number=incident.number)  # fmt: skip
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    assert window.position == reported - timedelta(seconds=10)
    qtbot.waitUntil(lambda: all(t.image is not None for t in window.tiles), timeout=20_000)
    for when in (reported, reported + timedelta(seconds=13.3), first + timedelta(seconds=5)):
        window.seek(when)

        def arrived(w=when) -> bool:  # type: ignore[no-untyped-def]
            return all(
                t.frame_time is not None and abs((t.frame_time - w).total_seconds()) < 0.2
                for t in window.tiles
            )

        qtbot.waitUntil(arrived, timeout=10_000)
        for tile in window.tiles:
            # The frame on screen is the one the camera took at or just before the playhead: within
            # one frame (1/15 s), plus the camera clock's mapping through its sender reports, which
            # was measured at up to 10 ms either way on an idle machine (20 ms allowed).
            late = when.timestamp() - tile_clock_s(tile)
            assert -0.02 <= late <= 1 / 15 + 0.02, (tile.camera.name, late)
    window.close()
