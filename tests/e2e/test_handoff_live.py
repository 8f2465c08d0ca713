"""Hand-off from a live tile: the moment the operator saw goes to the officers without waiting for
the recorder's minute to be up. The media service closes the open segment at the first keyframe
after the clip's end and indexes it; the clip is cut from that segment, hashed and linked to it in
custody like any hand-off, and recording goes on in a new segment. A camera whose owner does not
allow live sharing is refused at once, before anything waits or is written."""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.console import use_cases
from app.console.actor import Actor
from app.evidence.handoff import HandoffRequest
from app.governance.roles import Role
from app.incidents.service import IncidentInput, IncidentStore
from app.models.db import open_database
from app.models.tables import AuditEvent, EvidenceItem
from app.video.clock_watch import ClockLimits
from app.video.media_service import MediaService
from app.video.misbehaviour import Misbehaviour
from app.video.segment_close import SegmentNotClosed, close_segment
from app.video.simulator_process import SimulatorProcess
from tests.helpers.live import cameras_on

pytestmark = pytest.mark.e2e
DESK = Actor("dana", Role.OPERATOR)


def wait_for(condition: Callable[[], object], timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)


@pytest.fixture
def live_recording(
    db_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[MediaService, dict[str, int]]]:
    """Two simulated cameras recorded in minute-long segments, as the console records them; the
    shop's clock misbehaves as the test's parameter says (honest by default), and a clock earns
    trust in 3 s instead of 20."""
    faults = getattr(request, "param", Misbehaviour())
    svc = MediaService(open_database(db_url), port=0, linger_s=1.0).start()
    try:
        with SimulatorProcess(2, port=0, misbehaving={1: faults}) as sim:
            cams = cameras_on(sim, svc.registry, shop={}, home={"sharing_terms": "recorded_on_request"})
            quick = ClockLimits(probation_s=3.0, drift_span_s=3.0)
            svc.start_recording(
                tmp_path / "recordings", segment_s=60.0, check_every_s=0.3, clock_limits=quick
            )
            ids = {name: cams[name].id for name in ("shop", "home")}
            wait_for(lambda: all(svc.recorders.get(i) and svc.recorders[i].recording for i in ids.values()))
            yield svc, ids
    finally:
        svc.close()


@pytest.mark.parametrize(
    "live_recording",
    [Misbehaviour(), Misbehaviour(offset=7200)],
    indirect=True,
    ids=["honest", "hours-ahead"],
)
def test_a_live_tile_hands_off_the_moment_seen_from_a_segment_closed_for_it(
    live_recording: tuple[MediaService, dict[str, int]], tmp_path: Path
) -> None:
    """Whatever the camera's clock: an honest one is trusted by then, one two hours ahead is not,
    and the segment is closed by the times its packets were placed at, not by what it claims."""
    svc, ids = live_recording
    sessions, shop = svc.sessions, ids["shop"]
    recorder = svc.recorders[shop]
    # Judged, and three seconds recorded before the moment, as an operator watching would have.
    wait_for(lambda: recorder.clock.trusted or recorder.clock.reason.startswith("its clock is"))
    wait_for(
        lambda: (
            (started := recorder.segment_started_at) and datetime.now(UTC) - started > timedelta(seconds=4)
        )
    )
    camera = svc.registry.get(shop)
    incident = IncidentStore(sessions).create(
        IncidentInput(
            "LIVE-1", "robbery", datetime.now(UTC), "UTC", camera.latitude, camera.longitude, 200.0
        ),
        [],
    )
    seen = datetime.now(UTC) - timedelta(seconds=0.3)  # the picture on the glass is a little late
    closes: list[tuple[int, datetime]] = []

    def close(camera_id: int, until: datetime) -> datetime:
        closes.append((camera_id, until))
        return close_segment(svc.base_url, camera_id, until)

    request = HandoffRequest(incident.id, shop, seen, "clip", before_s=3.0, after_s=2.0, note="white van")
    result = use_cases.hand_off_live(
        sessions, DESK, tmp_path / "recordings", tmp_path / "mdt", request, "UTC", close
    )

    assert closes == [(shop, seen + timedelta(seconds=2))]
    facts = json.loads(result.sidecar.read_text())
    shown_from, shown_to = (
        datetime.fromisoformat(facts[k].replace("Z", "+00:00")) for k in ("shown_from_utc", "shown_to_utc")
    )
    assert abs((shown_from - (seen - timedelta(seconds=3))).total_seconds()) < 0.5
    assert (seen + timedelta(seconds=2) - shown_to).total_seconds() < 0.5, "the clip reaches the moment's end"
    with sessions() as s:
        # The clip's sources: the segment closed for it is the last (a camera whose clock changed
        # standing while it was watched has the moment in two segments, one per clock).
        hashes = {f["sha256"] for f in facts["sources"]}
        sources = list(s.scalars(select(EvidenceItem).where(EvidenceItem.sha256.in_(hashes))))
        source = max(sources, key=lambda item: item.end_at)
        assert source.kind == "segment" and source.camera_id == shop
        assert source.end_at - source.start_at < timedelta(seconds=30), (
            "closed for the hand-off, not at the minute"
        )
        assert source.end_at >= seen + timedelta(seconds=1.5)
        audit = [e.action for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert "hand-off to officers" in audit
    wait_for(lambda: recorder.recording)  # recording goes on in a new segment
    assert recorder.segment_started_at is not None and recorder.segment_started_at >= source.end_at


def test_live_hand_off_of_a_camera_without_live_sharing_is_refused_before_anything_waits(
    live_recording: tuple[MediaService, dict[str, int]], tmp_path: Path
) -> None:
    svc, ids = live_recording
    camera = svc.registry.get(ids["home"])
    incident = IncidentStore(svc.sessions).create(
        IncidentInput(
            "LIVE-2", "burglary", datetime.now(UTC), "UTC", camera.latitude, camera.longitude, 200.0
        ),
        [],
    )
    closes: list[int] = []
    request = HandoffRequest(incident.id, camera.id, datetime.now(UTC), "still")
    with pytest.raises(use_cases.Refused, match="do not include live viewing"):
        use_cases.hand_off_live(svc.sessions, DESK, tmp_path, tmp_path / "mdt", request, "UTC",
                                lambda cid, _until: closes.append(cid))  # fmt: skip
    assert closes == [] and not (tmp_path / "mdt").exists()
    with svc.sessions() as s:
        refusal = s.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (
        refusal is not None and refusal.action == "refused" and "hand-off from a live tile" in refusal.details
    )


def test_the_media_service_says_why_it_cannot_close_a_segment(
    live_recording: tuple[MediaService, dict[str, int]],
) -> None:
    svc, ids = live_recording
    with pytest.raises(SegmentNotClosed, match="camera 999 is not being recorded by this service"):
        close_segment(svc.base_url, 999, datetime.now(UTC))
    url = f"{svc.base_url}/record/{ids['shop']}/close?at=yesterday"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(urllib.request.Request(url, data=b"", method="POST"), timeout=10)
    refused.value.close()
    assert refused.value.code == 400 and "ISO 8601" in refused.value.headers["X-Reason"]
    later = datetime.now(UTC) + timedelta(hours=1)
    with pytest.raises(SegmentNotClosed, match="at most 120"):
        close_segment(svc.base_url, ids["shop"], later)


def test_ctrl_h_on_a_live_tile_sends_the_moment_to_officers(  # type: ignore[no-untyped-def]
    live_recording: tuple[MediaService, dict[str, int]], tmp_path: Path, qtbot
) -> None:
    from PySide6.QtCore import QSettings, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QWidget

    from app.console.session import workstation_session
    from app.governance.purpose import Purpose
    from app.video.vlc_player import VlcEngine
    from app.views.handoff_dialog import HandoffDialog, QrCode
    from app.views.main_window import ConsoleInfo, MainWindow
    from app.views.wall.tile import TileState

    svc, ids = live_recording
    sessions, shop = svc.sessions, ids["shop"]
    camera = svc.registry.get(shop)
    store = IncidentStore(sessions)
    incident = store.create(IncidentInput("LIVE-3", "robbery", datetime.now(UTC), "UTC", camera.latitude,
                                          camera.longitude, 200.0), [(shop, True, "in view")])  # fmt: skip
    window = MainWindow(svc.registry, ConsoleInfo("Database: test"),
                        QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat), engine=VlcEngine(),
                        media_url=svc.base_url, incidents=store, session=workstation_session(sessions),
                        recordings_dir=tmp_path / "recordings", handoff_dir=tmp_path / "mdt")  # fmt: skip
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: window.session.camera(shop) is not None, timeout=10_000)
    ctrl_h = (Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)

    # An empty tile, then a live one without an incident: each says what is missing.
    QTest.keyClick(window, *ctrl_h)
    assert "Select a tile with a camera" in window.statusBar().currentMessage()
    window.session.state_purpose(Purpose(incident="LIVE-3"), [shop])
    window.live.open_on_wall(shop)
    wall = window.wall
    assert wall is not None
    qtbot.waitUntil(lambda: wall.tiles[0].state == TileState.LIVE, timeout=30_000)
    QTest.keyClick(window, *ctrl_h)
    assert "needs an incident" in window.statusBar().currentMessage()

    window.incidents_ui.reopen(store.get(incident.id))
    qtbot.waitUntil(lambda: window.incident_panel.incident is not None, timeout=10_000)
    QTest.keyClick(window, *ctrl_h)
    qtbot.waitUntil(lambda: window.findChild(HandoffDialog) is not None, timeout=5_000)
    dialog = window.findChild(HandoffDialog)
    qtbot.waitExposed(dialog)
    assert dialog.kind.currentText() == "Clip: 10 s before to 5 s after the moment seen"
    QTest.keyClicks(dialog.note, "Blue hatchback heading north")
    QTest.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    assert "Recording the moments after it" in dialog.error.text()
    qtbot.waitUntil(lambda: dialog.findChild(QWidget, "handoff_result") is not None, timeout=90_000)
    link = dialog.findChild(QWidget, "handoff_link").text()
    assert link.startswith(f"{svc.base_url}/h/") and dialog.findChild(QrCode) is not None
    with urllib.request.urlopen(link, timeout=10) as reply:
        assert reply.status == 200 and "Blue hatchback heading north" in reply.read().decode()
    assert [p.suffix for p in sorted((tmp_path / "mdt").iterdir())] == [".json", ".mp4"]
    shots = os.environ.get("RTCC_WALKTHROUGH_SHOTS")
    if shots:  # for the docs: the console with the wall live and the link for the officers
        window.grab().save(str(Path(shots) / "live-handoff-console.png"))
        dialog.grab().save(str(Path(shots) / "live-handoff.png"))
    panel = window.incident_panel
    qtbot.waitUntil(lambda: panel.handoffs.count() == 1, timeout=10_000)
    assert "clip" in panel.handoffs.item(0).text()
    window.close()
