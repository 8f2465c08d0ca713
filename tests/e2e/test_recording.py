"""Recording: segments cut at keyframes, hashed and indexed with a "recorded" custody event."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import av
import pytest
from sqlalchemy import select, update

from app.governance.custody import sha256_file, verify_chain
from app.models.db import open_database, write_transaction
from app.models.tables import Camera, CustodyEvent, EvidenceItem
from app.video.media_service import MediaService
from app.video.simulator_process import SimulatorProcess
from tests.helpers.live import cameras_on

pytestmark = pytest.mark.e2e


@pytest.fixture
def recording_service(db_url: str) -> Iterator[MediaService]:
    svc = MediaService(open_database(db_url), port=0, linger_s=1.0).start()
    yield svc
    svc.close()


def segments(svc: MediaService) -> list[EvidenceItem]:
    with svc.sessions() as s:
        return list(
            s.scalars(select(EvidenceItem).where(EvidenceItem.kind == "segment").order_by(EvidenceItem.id))
        )


def test_segments_are_recorded_hashed_and_chained(
    recording_service: MediaService, tmp_path: Path, qtbot
) -> None:  # type: ignore[no-untyped-def]
    svc = recording_service
    root = tmp_path / "recordings"
    with SimulatorProcess(2, port=0) as sim:
        cams = cameras_on(sim, svc.registry, shop={}, home={"sharing_terms": "registered_only"})
        svc.start_recording(root, segment_s=2.0, check_every_s=0.3)
        qtbot.waitUntil(lambda: len(segments(svc)) >= 3, timeout=60_000)
        # Taken while the camera still sends: the segment its stop cuts short (2 frames, on a busy
        # machine) is a true recording of a stop, not a full segment to measure.
        items = segments(svc)
    assert {i.camera_id for i in items} == {cams["shop"].id}  # registered-only cameras are never recorded
    previous_end = None
    for item in items:
        path = root / item.path
        assert path.suffix == ".mkv" and path.stat().st_size == item.size_bytes
        assert sha256_file(path) == item.sha256
        assert item.start_at < item.end_at and (item.end_at - item.start_at).total_seconds() < 6
        if previous_end is not None:
            assert item.start_at >= previous_end
        previous_end = item.end_at
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            starts_at = float((stream.start_time or 0) * stream.time_base)
            lasts = (container.duration or 0) / 1e6
            frames = sum(1 for _ in container.decode(video=0))
        assert frames >= 15  # at least a second of the camera's 15 fps main stream
        # A stand-alone file to any player: it starts at zero and lasts what it recorded (a 5 s
        # segment used to report 13 s, the camera's running time).
        span = (item.end_at - item.start_at).total_seconds()
        assert starts_at == 0.0 and abs(lasts - span) < 0.3, (starts_at, lasts, span)
        with svc.sessions() as s:
            events = list(s.scalars(select(CustodyEvent).where(CustodyEvent.evidence_item_id == item.id)))
        assert [e.action for e in events] == ["recorded"] and events[0].item_sha256 == item.sha256
        assert verify_chain(events) is None
    assert svc.status()["recording"][0]["segments"] >= 3


def test_an_altered_custody_event_breaks_the_chain(
    recording_service: MediaService, tmp_path: Path, qtbot
) -> None:  # type: ignore[no-untyped-def]
    from app.governance.custody import append_event

    svc = recording_service
    with SimulatorProcess(1, port=0) as sim:
        cameras_on(sim, svc.registry, door={})
        svc.start_recording(tmp_path / "rec", segment_s=1.5, check_every_s=0.3)
        qtbot.waitUntil(lambda: len(segments(svc)) >= 1, timeout=60_000)
    item = segments(svc)[0]
    with write_transaction(svc.sessions) as s:  # the recorder may be indexing its last segment
        item = s.get(EvidenceItem, item.id)
        append_event(s, item, "verified", "hash checked")
        append_event(s, item, "exported", "to USB")
    with svc.sessions() as s:
        events = list(s.scalars(select(CustodyEvent).where(CustodyEvent.evidence_item_id == item.id)))
        assert verify_chain(events) is None
        events[1].reason = "nothing to see"
        assert verify_chain(events) == 1
        assert verify_chain([events[0], events[2]]) == 1  # a removed event breaks it too


def test_rtcc_media_record_runs_headless_and_closes_its_last_segment(
    tmp_path: Path, qtbot, settings, db_url: str
) -> None:  # type: ignore[no-untyped-def]
    from app.registry.service import Registry
    from app.video.child_service import MediaProcess

    url = db_url
    sessions = open_database(url)
    with SimulatorProcess(1, port=0) as sim:
        cameras_on(sim, Registry(sessions), lobby={})
        with MediaProcess(url, port=0, record_segment_s=30):
            # A segment open, far shorter than its 30 s: only the exit closes it.
            folder = settings.data_dir / "recordings"
            qtbot.waitUntil(lambda: any(folder.rglob("*.mkv")), timeout=60_000)
    with sessions() as s:
        items = list(s.scalars(select(EvidenceItem)))
    assert len(items) == 1
    assert (settings.data_dir / "recordings" / items[0].path).stat().st_size == items[0].size_bytes


def test_the_console_line_reports_recording(recording_service: MediaService, tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    from app.video.media_directory import read_directory
    from app.video.media_status import describe, fetch_status

    svc = recording_service
    with SimulatorProcess(1, port=0) as sim:
        cameras_on(sim, svc.registry, bank={})
        svc.start_recording(tmp_path / "rec", segment_s=1.5, check_every_s=0.3)
        qtbot.waitUntil(lambda: len(segments(svc)) >= 1, timeout=60_000)
        line = describe(svc.base_url, fetch_status(svc.base_url))

        # The directory's entry says the same, from the heartbeat: pulled, recording, disk free,
        # and the newest segment of the camera.
        def heartbeat_has_the_segment() -> bool:
            (entry,) = read_directory(svc.sessions)
            return bool(entry.newest_segments)

        qtbot.waitUntil(heartbeat_has_the_segment, timeout=20_000)
        (entry,) = read_directory(svc.sessions)
    assert "recording 1/1 camera(s)" in line and "1 camera stream(s) pulled" in line
    (camera_id, newest) = next(iter(entry.newest_segments.items()))
    assert (entry.pulled, entry.recording) == (1, 1) and entry.disk_free_bytes and entry.disk_free_bytes > 0
    # The end of one of the camera's indexed segments: the newest when the heartbeat was written
    # (more may be indexed since: 1.5 s segments, a heartbeat every 2 s, the camera's stop).
    assert newest in {item.end_at for item in segments(svc) if item.camera_id == camera_id}
    assert entry.recordings_root == str(tmp_path / "rec") and entry.answering()


def test_a_recorder_killed_mid_segment_loses_only_the_unfinished_tail(
    tmp_path: Path, qtbot, db_url: str
) -> None:  # type: ignore[no-untyped-def]
    import os
    import signal

    with SimulatorProcess(1, port=0) as sim:
        sessions, root, cams, child = recorder_process(sim, tmp_path, db_url)

        def recording_for_a_while() -> bool:
            files = list(root.rglob("*.mkv"))
            return bool(files) and files[0].stat().st_size > 200_000

        qtbot.waitUntil(recording_for_a_while, timeout=30_000)
        os.kill(child.pid, signal.SIGKILL)  # mid-segment: never closed, never indexed
        child.close()
    assert segments_of(sessions) == []
    # The next start finds the file, indexes what is readable and says what was lost.
    svc = MediaService(sessions, port=0, linger_s=1.0).start()
    try:
        svc.start_recording(root, segment_s=60, check_every_s=60)
    finally:
        svc.close()
    items = segments_of(sessions)
    assert len(items) == 1 and items[0].camera_id == cams["lobby"].id
    path = root / items[0].path
    assert sha256_file(path) == items[0].sha256 and path.stat().st_size == items[0].size_bytes
    assert (items[0].end_at - items[0].start_at).total_seconds() >= 1
    with av.open(str(path)) as container:
        assert sum(1 for _ in container.decode(video=0)) >= 15
    with sessions() as s:
        event = s.scalars(select(CustodyEvent).where(CustodyEvent.evidence_item_id == items[0].id)).one()
    assert event.action == "recorded" and "unfinished tail" in event.reason


def test_sigterm_closes_and_indexes_every_open_segment_and_ends_every_view(
    tmp_path: Path, qtbot, db_url: str
) -> None:  # type: ignore[no-untyped-def]
    """A service manager stops `rtcc media` with SIGTERM: it exits within 5 s, every second up to
    the signal is recorded and indexed, and the open live view is audited as stopped (without a
    handler, the process died at once and the open segment stayed unindexed)."""
    import signal
    import threading
    import time
    import urllib.request
    from datetime import UTC, datetime

    from app.governance import audit
    from tests.helpers.live import grant

    with SimulatorProcess(1, port=0) as sim:
        sessions, root, cams, child = recorder_process(sim, tmp_path, db_url)
        got: list[int] = []

        def watch() -> None:
            try:
                address = (
                    f"{child.url}/live/{cams['lobby'].id}/sub.ts?grant={grant(sessions, cams['lobby'].id)}"
                )
                with urllib.request.urlopen(address, timeout=20) as stream:
                    while block := stream.read(4096):
                        got.append(len(block))
            except OSError:
                pass

        viewer = threading.Thread(target=watch, daemon=True)
        viewer.start()

        def recording_for_a_while() -> bool:
            files = list(root.rglob("*.mkv"))
            return bool(files) and files[0].stat().st_size > 200_000 and sum(got) > 50_000

        qtbot.waitUntil(recording_for_a_while, timeout=60_000)
        signalled = datetime.now(UTC)
        sent = time.monotonic()
        os.kill(child.pid, signal.SIGTERM)
        assert child._proc is not None
        assert child._proc.wait(timeout=5) == 0
        assert time.monotonic() - sent < 5.0
        viewer.join(10)
        child.close()
    [item] = segments_of(sessions)
    path = root / item.path
    assert sha256_file(path) == item.sha256 and path.stat().st_size == item.size_bytes
    assert item.end_at >= signalled - timedelta(seconds=1.0), (item.end_at, signalled)
    with sessions() as s:
        event = s.scalars(select(CustodyEvent).where(CustodyEvent.evidence_item_id == item.id)).one()
    assert event.action == "recorded" and "unfinished tail" not in event.reason
    actions = [e.action for e in audit.query(sessions, camera=str(cams["lobby"].id))]
    assert actions.count("live view started") == 1 and actions.count("live view stopped") == 1


def recorder_process(sim: SimulatorProcess, tmp_path: Path, db_url: str):  # type: ignore[no-untyped-def]
    """`rtcc media --record` as its own process, recording the simulator's camera 1 ("lobby") in
    one-minute segments: (sessions, recordings folder, cameras, the process)."""
    from app.registry.service import Registry
    from app.video.child_service import MediaProcess

    url = db_url
    sessions = open_database(url)
    root = tmp_path / "recordings"
    cams = cameras_on(sim, Registry(sessions), lobby={})
    return (
        sessions,
        root,
        cams,
        MediaProcess(url, port=0, record_segment_s=60, recordings_dir=str(root)).start(),
    )


def segments_of(sessions) -> list[EvidenceItem]:  # type: ignore[no-untyped-def]
    with sessions() as s:
        return list(s.scalars(select(EvidenceItem).where(EvidenceItem.kind == "segment")))


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to mount a small tmpfs; CI runs as root")
def feed_passes(recorder: Any, packets: list[Any], stream: Any, passes: range) -> None:
    """The minute's packets again for each pass, its timeline going on, as a live camera's would."""
    for n in passes:
        for packet in packets:
            copy = av.Packet(bytes(packet))
            copy.pts = copy.dts = packet.pts + n * 10_000
            copy.time_base, copy.is_keyframe = packet.time_base, packet.is_keyframe
            recorder.on_packet(copy, stream)


def test_a_full_disk_stops_recording_with_an_alarm_and_keeps_earlier_segments(tmp_path: Path) -> None:
    import subprocess

    from app.bench.export_bench import synthetic_minute
    from app.registry.sample_city import division_boundaries, sample_cameras
    from app.registry.service import Registry
    from app.video.media_status import ALARM, describe
    from app.video.recorder import SegmentRecorder

    minute = tmp_path / "minute.mkv"
    synthetic_minute(minute, seconds=6, width=640, height=360, bit_rate=1_000_000)
    disk = tmp_path / "disk"
    disk.mkdir()
    size_kb = minute.stat().st_size // 1024 + 64  # room for about one recording's worth
    assert (
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(disk)]).returncode == 0
    )
    try:
        sessions = open_database(f"sqlite:///{tmp_path / 'full.sqlite'}")
        registry = Registry(sessions)
        registry.import_rows(sample_cameras(1), division_boundaries())
        camera = registry.list_cameras()[0]
        recorder = SegmentRecorder(
            camera.id, camera.uid, disk, sessions, segment_s=0.0
        )  # a segment per keyframe
        recorder.min_free_bytes = 0  # no floor: the disk itself runs out
        with av.open(str(minute)) as source:
            stream = source.streams.video[0]
            packets = [p for p in source.demux(stream) if p.size]

            def feed(passes: range) -> None:
                feed_passes(recorder, packets, stream, passes)  # never raises into the relay's thread

            feed(range(4))  # four passes: the disk fills during the second
            recorder.close()
            assert "No space left" in recorder.error
            items = segments_of(sessions)
            assert items, "segments written before the disk filled are indexed"
            for item in items:
                assert sha256_file(disk / item.path) == item.sha256  # earlier segments intact
                assert item.size_bytes > 0, "no empty file is evidence"
            on_disk = sorted(p.name for p in (disk / camera.uid).iterdir())
            assert on_disk == sorted(Path(i.path).name for i in items), "no file left unindexed"
            status = {"camera": 1, "recording": False, "segments": len(items), "error": recorder.error}
            line = describe("http://rec:8765", {"relays": [], "recording": [status]})
            assert line.startswith(ALARM) and "disk full" in line

            # Space returns: recording resumes at the next keyframe and the alarm clears.
            assert subprocess.run(["mount", "-o", f"remount,size={size_kb * 8}k", str(disk)]).returncode == 0
            feed(range(10, 11))
            recorder.close()
        assert recorder.error == "", "the alarm clears once segments open again"
        assert len(segments_of(sessions)) > len(items)
    finally:
        subprocess.run(["umount", "-l", str(disk)])


def test_below_the_free_space_floor_no_segment_opens_and_recording_resumes_above_it(tmp_path: Path) -> None:
    from app.bench.export_bench import synthetic_minute
    from app.registry.sample_city import division_boundaries, sample_cameras
    from app.registry.service import Registry
    from app.video.recorder import SegmentRecorder

    minute = tmp_path / "minute.mkv"
    synthetic_minute(minute, seconds=4, width=640, height=360, bit_rate=500_000)
    sessions = open_database(f"sqlite:///{tmp_path / 'floor.sqlite'}")
    registry = Registry(sessions)
    registry.import_rows(sample_cameras(1), division_boundaries())
    camera = registry.list_cameras()[0]
    recorder = SegmentRecorder(camera.id, camera.uid, tmp_path / "rec", sessions, segment_s=0.0)
    recorder.min_free_bytes = 1 << 60  # more than any disk has: as if it were full
    with av.open(str(minute)) as source:
        stream = source.streams.video[0]
        packets = [p for p in source.demux(stream) if p.size]

        def feed(passes: range) -> None:
            feed_passes(recorder, packets, stream, passes)

        feed(range(4))  # past the opening burst the recorder holds back to measure the pace
        recorder.close()
        assert recorder.error.startswith("disk full:") and "under the floor" in recorder.error
        assert segments_of(sessions) == [] and not list((tmp_path / "rec").rglob("*.mkv")), "nothing opened"
        recorder.min_free_bytes = 0  # space again
        feed(range(4, 6))
        recorder.close()
    assert recorder.error == "" and segments_of(sessions), "recording resumed and the alarm cleared"


def test_an_outage_is_recorded_as_a_gap_with_its_cause(
    recording_service: MediaService, tmp_path: Path, qtbot
) -> None:  # type: ignore[no-untyped-def]
    from app.playback.timeline import load_timelines
    from app.video.gaps import load_gaps

    svc = recording_service
    root = tmp_path / "rec"
    with SimulatorProcess(1, port=0) as sim:
        cams = cameras_on(sim, svc.registry, door={})
        svc.start_recording(root, segment_s=1.5, check_every_s=0.3)
        qtbot.waitUntil(lambda: len(segments(svc)) >= 2, timeout=60_000)
        sim.stop_camera(1)
        qtbot.waitUntil(lambda: svc.gaps.is_open(cams["door"].id), timeout=30_000)
        before = len(segments(svc))
        qtbot.wait(2000)
        sim.start_camera(1)
        qtbot.waitUntil(lambda: not svc.gaps.is_open(cams["door"].id), timeout=60_000)
        qtbot.waitUntil(lambda: len(segments(svc)) > before, timeout=60_000)
    svc.stop_recording()
    items = segments(svc)
    start, end = items[0].start_at, items[-1].end_at
    gaps = load_gaps(svc.sessions, [cams["door"].id], start, end)
    assert len(gaps) == 1
    gap = gaps[0]
    assert gap.end_at is not None and (gap.end_at - gap.start_at).total_seconds() >= 2
    assert "camera did not deliver" in gap.reason
    # The gap lies between the last segment before the outage and the first after it.
    assert any(i.end_at <= gap.start_at + timedelta(seconds=1) for i in items)
    assert any(i.start_at >= gap.end_at - timedelta(seconds=1) for i in items)
    timeline = load_timelines(svc.sessions, root, [cams["door"].id], start, end)[cams["door"].id]
    assert timeline.outage_at(gap.start_at + (gap.end_at - gap.start_at) / 2) == gap


def test_revoking_consent_stops_recording_within_seconds(
    recording_service: MediaService, tmp_path: Path, qtbot
) -> None:  # type: ignore[no-untyped-def]
    """The supervisor re-reads the registry when it changes, not every round: a revocation still
    stops the recorder at once, what was recorded before stays, and the other camera goes on."""
    svc = recording_service
    with SimulatorProcess(2, port=0) as sim:
        cams = cameras_on(sim, svc.registry, shop={}, home={})
        svc.start_recording(tmp_path / "recordings", segment_s=2.0, check_every_s=0.3)
        shop, home = cams["shop"].id, cams["home"].id
        qtbot.waitUntil(lambda: {shop, home} <= {i.camera_id for i in segments(svc)}, timeout=60_000)
        revoked_at, revoked = datetime.now(UTC), time.monotonic()
        with svc.sessions.begin() as s:
            s.execute(update(Camera).where(Camera.id == shop).values(consent_revoked_at=revoked_at))
        qtbot.waitUntil(lambda: shop not in svc.recorders, timeout=5_000)
        assert time.monotonic() - revoked < 2.0
        home_before = sum(i.camera_id == home for i in segments(svc))
        qtbot.waitUntil(lambda: sum(i.camera_id == home for i in segments(svc)) > home_before, timeout=10_000)
    shop_segments = [i for i in segments(svc) if i.camera_id == shop]
    assert shop_segments and all(i.start_at < revoked_at for i in shop_segments)
