"""Cameras that lie about the time never move footage to the wrong minute.

One simulator serves an honest camera beside five that misbehave the way real ones do (a clock
hours ahead, a drift of a second a minute, an encoder that delivers a third of its frames and
stamps them as if it delivered all, a clock that jumps, a link that stalls and then bursts). The
media service records them all at once; every segment's indexed start and end, and every frame
the scrub view's reader shows, is compared with the clock burned into the picture, which the
switches never touch.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import av
import pytest
from sqlalchemy import select

from app.evidence.cases import CaseStore
from app.evidence.export import ExportResult, export_case
from app.evidence.verify import parse_utc, verify_package
from app.models.db import open_database
from app.models.tables import EvidenceItem
from app.playback.reader import FrameReader
from app.playback.timeline import load_timelines
from app.video.barcode import decode
from app.video.media_service import MediaService
from app.video.misbehaviour import Misbehaviour
from app.video.simulator_process import SimulatorProcess
from tests.e2e.conftest import frame_time_errors
from tests.helpers.live import cameras_on, live

pytestmark = pytest.mark.e2e

FRAME_S = 1 / 15
CAMERAS = {
    "honest": Misbehaviour(),
    "hours ahead": Misbehaviour(offset=7200),
    "drifting": Misbehaviour(drift=1.0),
    "a third of its frames": Misbehaviour(slow=3),
    "jumps": Misbehaviour(),
    "stalls": Misbehaviour(),
}
EVENT_AFTER_S = 30.0  # the jump and the stall, once the honest clocks have earned trust
AFTER_EVENT_S = 14.0  # recorded after them


@dataclass
class Recording:
    root: Path
    url: str
    ids: dict[str, int]
    segments: dict[str, list[EvidenceItem]] = field(default_factory=dict)
    status: dict[str, dict[str, object]] = field(default_factory=dict)  # clock verdicts at the end
    event_at: datetime | None = None  # when the jump and the stall were sent
    delays: dict[str, float] = field(default_factory=dict)  # each camera's, as a viewer measured it
    reasons: dict[str, list[str]] = field(default_factory=dict)  # each verdict, as it changed


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recording]:
    base = tmp_path_factory.mktemp("clocks")
    url = f"sqlite:///{base / 'rtcc.sqlite'}"
    root = base / "recordings"
    svc = MediaService(open_database(url), port=0, linger_s=1.0).start()
    misbehaving = {i: m for i, m in enumerate(CAMERAS.values(), start=1) if not m.honest}
    try:
        with SimulatorProcess(len(CAMERAS), port=0, misbehaving=misbehaving) as sim:
            rows = cameras_on(sim, svc.registry, **{name: {} for name in CAMERAS})
            ids = {name: rows[name].id for name in CAMERAS}
            svc.start_recording(root, segment_s=2.0, check_every_s=0.3)
            started = time.monotonic()
            # The viewer watches through the media service, as the console's tiles do: a second
            # RTSP client on a camera the recorder pulls stalled both, on a loaded CI machine
            # (Debian 12's RTSP server, docs/notes.md), and a console never makes one.
            wait_for_pictures(svc, len(CAMERAS))
            delays = {name: least_delay(live(svc, ids[name], "main")) for name in CAMERAS}
            index = list(CAMERAS)
            event_at: datetime | None = None
            reasons: dict[str, list[str]] = {name: [] for name in CAMERAS}
            while event_at is None or (datetime.now(UTC) - event_at).total_seconds() < AFTER_EVENT_S:
                for row in svc.status()["recording"]:
                    name = next(n for n, i in ids.items() if i == row["camera"])
                    said = f"{time.monotonic() - started:.0f}s {row['clock']['reason'] or 'trusted'}"
                    if not reasons[name] or reasons[name][-1].split(" ", 1)[1] != said.split(" ", 1)[1]:
                        reasons[name].append(said)
                if event_at is None and time.monotonic() - started >= EVENT_AFTER_S:
                    event_at = datetime.now(UTC)
                    sim.jump_clock(index.index("jumps") + 1, 30.0)
                    sim.stall(index.index("stalls") + 1, 3.0)
                time.sleep(0.2)
            by_camera = {r["camera"]: r for r in svc.status()["recording"]}
            status = {name: by_camera[ids[name]] for name in CAMERAS}
            svc.stop_recording()
    finally:
        svc.close()
        svc.sessions.kw["bind"].dispose()
    clocks = {n: s["clock"] for n, s in status.items()}
    done = Recording(root, url, ids, status=clocks, event_at=event_at, delays=delays,  # type: ignore[arg-type]
                     reasons=reasons)  # fmt: skip
    sessions = open_database(url)
    with sessions() as s:
        for name, cid in ids.items():
            done.segments[name] = list(
                s.scalars(
                    select(EvidenceItem)
                    .where(EvidenceItem.camera_id == cid, EvidenceItem.kind == "segment")
                    .order_by(EvidenceItem.start_at)
                )
            )
    sessions.kw["bind"].dispose()
    yield done


def burned(image) -> datetime:  # type: ignore[no-untyped-def]
    ms = decode(image)
    assert ms is not None, "the burned-in barcode could not be read"
    return datetime.fromtimestamp(ms / 1000, UTC)


def first_and_last_burned(path: Path) -> tuple[datetime, datetime]:
    with av.open(str(path)) as container:
        frames = [f for f in container.decode(video=0)]
    return burned(frames[0].to_ndarray(format="rgb24")), burned(frames[-1].to_ndarray(format="rgb24"))


def wait_for_pictures(svc: MediaService, relays: int, within_s: float = 90.0) -> None:
    until = time.monotonic() + within_s
    while time.monotonic() < until:
        pulling = svc.status()["relays"]
        if len(pulling) >= relays and all(r["packets"] for r in pulling):
            return
        time.sleep(0.1)
    raise AssertionError(f"the recorder had no pictures from every camera within {within_s:.0f} s")


def least_delay(url: str, seconds: float = 3.0) -> float:
    """Arrival less the burned-in clock, least over a few seconds of a camera's live view: its
    network, encoder and relay delay as a viewer on this machine measures it (a slow camera's encoder holds a
    frame, a fifth of a second at 5 frames a second)."""
    least = float("inf")
    with av.open(url, timeout=(15, 10)) as source:
        stream = source.streams.video[0]
        until = time.monotonic() + seconds
        keyframe = False
        for packet in source.demux(stream):
            arrived = time.time()
            keyframe = keyframe or packet.is_keyframe  # a viewer joins between keyframes
            if not keyframe:
                continue
            for frame in stream.codec_context.decode(packet):
                ms = decode(frame.to_ndarray(format="rgb24"))
                if ms is not None:
                    least = min(least, arrived - ms / 1000)
            if time.monotonic() > until:
                break
    return least


def allowance(rec: Recording, name: str = "honest") -> float:
    """One frame of the camera's plus its network delay: a frame placed by arrival cannot be
    placed better than the delay the recorder could measure, and a camera whose clock was never
    trusted had none measured of its own. The honest camera's delay is also what the recorder
    measured against its trusted clock."""
    delays = [s.clock_offset_ms for s in rec.segments["honest"] if s.clock_source == "camera RTCP"]
    assert delays, "the honest camera's clock was never trusted"
    measured = max(d for d in delays if d is not None) / 1000
    return FRAME_S * CAMERAS[name].slow + max(0.0, measured, rec.delays[name])


def written_errors(rec: Recording, name: str) -> list[float]:
    """Each segment's indexed start and end against the burned-in clock of its first and last frame."""
    errors = []
    for seg in rec.segments[name]:
        first, last = first_and_last_burned(rec.root / seg.path)
        assert seg.start_at is not None and seg.end_at is not None
        errors += [abs((seg.start_at - first).total_seconds()), abs((seg.end_at - last).total_seconds())]
    return errors


def shown_errors(rec: Recording, name: str, step_s: float = 0.53) -> list[float]:
    """The scrub view's reader: the time it gives each frame it shows, against that frame's clock."""
    segs = rec.segments[name]
    start, end = segs[0].start_at, segs[-1].end_at
    assert start is not None and end is not None
    timelines = load_timelines(open_database(rec.url), rec.root, [rec.ids[name]], start, end)
    reader = FrameReader(timelines[rec.ids[name]])
    try:
        return frame_time_errors(reader, [(s.start_at, s.end_at) for s in segs], step_s)  # type: ignore[misc]
    finally:
        reader.close()


@pytest.mark.parametrize("name", list(CAMERAS))
def test_every_written_and_shown_time_is_the_burned_in_clock(recording: Recording, name: str) -> None:
    limit = allowance(recording, name)
    written, shown = written_errors(recording, name), shown_errors(recording, name)
    sources = [s.clock_source for s in recording.segments[name]]
    assert max(written) <= limit, (name, round(max(written), 3), round(limit, 3), sources)
    assert max(shown) <= limit, (name, round(max(shown), 3), round(limit, 3), sources)


@pytest.mark.parametrize(
    ("name", "now", "at_the_fault"),
    [
        ("hours ahead", "its clock is 2 h 0 min ahead of arrival", "its clock is 2 h 0 min ahead"),
        ("drifting", "its clock gains", "camera clock not trusted"),
        ("a third of its frames", "its stream runs at 0.3", "its stream runs at 0.3"),
        ("jumps", "ahead of arrival", "its clock jumped forward 30"),
    ],
)
def test_a_clock_that_lies_is_not_trusted_and_custody_says_why(
    recording: Recording, name: str, now: str, at_the_fault: str
) -> None:
    status = recording.status[name]
    assert status["trusted"] is False and now in str(status["reason"]), status
    segs = recording.segments[name]
    assert segs[-1].clock_source.startswith("arrival"), [s.clock_source for s in segs]
    with open_database(recording.url)() as s:
        from app.models.tables import CustodyEvent

        ids = [seg.id for seg in segs]
        reasons = list(s.scalars(select(CustodyEvent.reason).where(CustodyEvent.evidence_item_id.in_(ids))))
    assert any(at_the_fault in r for r in reasons), reasons[-3:]


@pytest.fixture(scope="module")
def packages(recording: Recording, signing_keyring: None, tmp_path_factory: pytest.TempPathFactory
             ) -> dict[str, ExportResult]:  # fmt: skip
    """Each camera's ten seconds around the jump and the stall, exported as a case of its own."""
    assert recording.event_at is not None
    start, end = recording.event_at - timedelta(seconds=4), recording.event_at + timedelta(seconds=6)
    sessions = open_database(recording.url)
    store = CaseStore(sessions)
    done = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
        for n, name in enumerate(CAMERAS):
            case_id = store.create(f"CLOCK-{n}", f"the camera that {name}")
            store.add_window(case_id, recording.ids[name], start, end, "around the jump and the stall")
            done[name] = export_case(sessions, case_id, recording.root, tmp_path_factory.mktemp("usb"))
    sessions.kw["bind"].dispose()
    return done


@pytest.mark.parametrize("name", list(CAMERAS))
def test_an_exported_window_verifies_and_its_times_are_the_pictures(
    recording: Recording, packages: dict[str, ExportResult], name: str
) -> None:
    result = packages[name]
    assert result.verdict.status == "valid", result.verdict.summary()
    assert verify_package(result.path).status == "valid"
    manifest = json.loads((result.path / "manifest.json").read_text())
    window = manifest["windows"][0]
    start, end = parse_utc(window["actual_start"]), parse_utc(window["actual_end"])
    with av.open(str(result.path / window["working_copy"])) as container:
        stream = container.streams.video[0]
        shown = [(start + timedelta(seconds=float(f.pts * stream.time_base)), f.to_ndarray(format="rgb24"))
                 for f in container.decode(stream)]  # fmt: skip
    step = (end - start).total_seconds() / max(1, len(shown) - 1)
    # A working copy plays its frames on an even grid, each within half a step of its recorded time.
    limit = allowance(recording, name) + step / 2
    errors = [abs((burned(image) - at).total_seconds()) for at, image in shown]
    assert len(shown) >= 10 and max(errors) <= limit, (name, round(max(errors), 3), round(limit, 3))
    assert abs((burned(shown[-1][1]) - end).total_seconds()) <= allowance(recording, name)


def test_the_scrub_view_at_an_incident_shows_every_camera_at_its_minute(recording: Recording, qtbot) -> None:  # type: ignore[no-untyped-def]
    """The dispatcher's view of the same recording: an incident just after the jump and the
    stall, its six cameras opened in the scrub view. At each seek every tile shows the picture
    the camera took at the playhead (within the camera's allowance and one of its frames), and
    the timeline names the cameras whose footage there was placed by arrival."""
    from app.console.session import workstation_session
    from app.incidents.service import IncidentInput, IncidentStore
    from app.views.scrub.timeline import row_label
    from app.views.scrub.window import ScrubWindow
    from tests.helpers.clocks import tile_clock_s

    assert recording.event_at is not None
    sessions = open_database(recording.url)
    session = workstation_session(sessions)
    by_id = {c.id: c for c in session.registry.list_cameras()}
    where = by_id[recording.ids["honest"]]  # the simulated cameras stand together
    reported = recording.event_at + timedelta(seconds=5)
    incident = IncidentStore(sessions).create(
        IncidentInput(
            "26-0728", "robbery", reported, "America/Los_Angeles", where.latitude, where.longitude, 300.0
        ),
        [(recording.ids[name], True, "named by the test") for name in CAMERAS],
    )
    cameras = [by_id[i] for i in incident.camera_ids]
    window = ScrubWindow(session, recording.root, cameras, incident.reported_at,
                         margin=timedelta(seconds=12), case_number=incident.number)  # fmt: skip
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    qtbot.waitUntil(lambda: window.loaded, timeout=30_000)
    names = {recording.ids[name]: name for name in CAMERAS}
    for when in (reported, recording.event_at - timedelta(seconds=6), reported + timedelta(seconds=4.3)):
        window.seek(when)

        def arrived(w: datetime = when) -> bool:
            return all(
                t.frame_time is not None and abs((t.frame_time - w).total_seconds()) < 0.25
                for t in window.tiles
            )

        try:
            qtbot.waitUntil(arrived, timeout=20_000)
        except Exception:
            raise AssertionError([(t.camera.name, t.frame_time, t.status) for t in window.tiles]) from None
        for tile in window.tiles:
            name = names[tile.camera.id]
            late = when.timestamp() - tile_clock_s(tile)
            limit = allowance(recording, name)
            assert -limit <= late <= limit + FRAME_S * CAMERAS[name].slow, (name, when, round(late, 3))
    # What the timeline paints beside each row (its band is tested on its own).
    shown = window.timeline
    labels = {name: row_label(name, timeline, shown.start, shown.end) for name, timeline in shown.rows}
    for name in ("hours ahead", "drifting", "a third of its frames", "jumps"):
        assert labels[name] == f"{name} · times by arrival", labels
    # The honest camera's says so only if a busy machine made its clock lose trust in the window.
    by_arrival = any(
        seg.clock_source != "camera RTCP" and seg.start_at < shown.end and seg.end_at > shown.start  # type: ignore[operator]
        for seg in recording.segments["honest"]
    )
    honest = "honest · times by arrival" if by_arrival else "honest"
    assert labels["honest"] == honest, recording.reasons["honest"]
    window.close()
    sessions.kw["bind"].dispose()


def test_honest_and_stalled_clocks_are_trusted(recording: Recording) -> None:
    for name in ("honest", "stalls"):
        assert recording.status[name]["trusted"] is True, (name, recording.reasons[name])
        assert recording.segments[name][-1].clock_source == "camera RTCP"


def test_footage_an_old_recorder_placed_by_a_lying_clock_is_refused_and_its_old_package_contradicted(
    recording: Recording, signing_keyring: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the recorder wrote before it compared clocks: the slow camera's segment placed by its
    clock though its packets arrived 46 s after the times it claims. Export now refuses it; a
    package an exporter made of it then (read back without the check) no longer verifies VALID."""
    import shutil

    from app.evidence import export as export_module
    from app.evidence.export import ExportError
    from app.governance.custody import append_event, sha256_file

    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    source = recording.segments["a third of its frames"][-1]
    old = Path(source.path).parent / "old-recorder.mkv"
    shutil.copyfile(recording.root / source.path, recording.root / old)
    sessions = open_database(recording.url)
    with sessions.begin() as s:
        item = EvidenceItem(
            kind="segment", camera_id=source.camera_id, path=str(old),
            sha256=sha256_file(recording.root / old),
            size_bytes=(recording.root / old).stat().st_size, start_at=source.start_at, end_at=source.end_at,
            clock_source="camera RTCP", clock_offset_ms=46213.0,
        )  # fmt: skip
        s.add(item)
        s.flush()
        append_event(s, item, "recorded", "segment 04:19:37.000-04:19:55.000 UTC, media service; clock: "
                     "camera RTCP (packets arrive +46213 ms after the camera's time)")  # fmt: skip
    store = CaseStore(sessions)
    case_id = store.create("CLOCK-OLD", "footage from before the clocks were compared")
    assert source.start_at is not None and source.end_at is not None
    store.add_window(case_id, source.camera_id, source.start_at, source.end_at, "the old segment")
    with pytest.raises(ExportError, match="not backed by its pictures; nothing was written") as refused:
        export_case(sessions, case_id, recording.root, tmp_path)
    assert str(old) in str(refused.value)
    assert not any(tmp_path.iterdir())

    # The exporter of before: no check of the times, a read-back that looked at hashes only.
    monkeypatch.setattr(export_module, "_refuse_unbacked_times", lambda plan: None)
    monkeypatch.setattr(
        export_module._PackageWriter, "read_back", lambda self: export_module.verify_folder(self.root)
    )
    made = export_case(sessions, case_id, recording.root, tmp_path)
    verdict = verify_package(made.path)
    assert verdict.status == "contradicted" and verdict.exit_code == 1, verdict.summary()
    assert verdict.summary().startswith("CONTRADICTED: every file is as signed")
    assert any(f"originals/{old}" in p and "+46.2 s" in p for p in verdict.problems), verdict.problems
    sessions.kw["bind"].dispose()
