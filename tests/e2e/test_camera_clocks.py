"""Cameras that lie about the time never move footage to the wrong minute.

One simulator serves an honest camera beside five that misbehave the way real ones do (a clock
hours ahead, a drift of a second a minute, an encoder that delivers a third of its frames and
stamps them as if it delivered all, a clock that jumps, a link that stalls and then bursts). The
media service records them all at once; every segment's indexed start and end, and every frame
the scrub view's reader shows, is compared with the clock burned into the picture, which the
switches never touch.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import av
import pytest
from sqlalchemy import select

from app.models.db import open_database
from app.models.tables import EvidenceItem
from app.playback.reader import FrameReader
from app.playback.timeline import load_timelines
from app.video.barcode import decode
from app.video.media_service import MediaService
from app.video.misbehaviour import Misbehaviour
from app.video.simulator_process import SimulatorProcess
from tests.e2e.test_media_service import cameras_on

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
RECORD_S = 44.0


@dataclass
class Recording:
    root: Path
    url: str
    ids: dict[str, int]
    segments: dict[str, list[EvidenceItem]] = field(default_factory=dict)
    status: dict[str, dict[str, object]] = field(default_factory=dict)  # clock verdicts at the end


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
            index = list(CAMERAS)
            events = False
            while time.monotonic() - started < RECORD_S:
                if not events and time.monotonic() - started >= EVENT_AFTER_S:
                    sim.jump_clock(index.index("jumps") + 1, 30.0)
                    sim.stall(index.index("stalls") + 1, 3.0)
                    events = True
                time.sleep(0.2)
            by_camera = {r["camera"]: r for r in svc.status()["recording"]}
            status = {name: by_camera[ids[name]] for name in CAMERAS}
            svc.stop_recording()
    finally:
        svc.close()
        svc.sessions.kw["bind"].dispose()
    done = Recording(root, url, ids, status={n: s["clock"] for n, s in status.items()})  # type: ignore[misc]
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


def allowance(rec: Recording) -> float:
    """One frame plus the network delay the recorder measured for the honest camera (arrival
    less its trusted clock): placing by arrival cannot know the delay better than that."""
    delays = [s.clock_offset_ms for s in rec.segments["honest"] if s.clock_source == "camera RTCP"]
    assert delays, "the honest camera's clock was never trusted"
    return FRAME_S + max(0.0, max(d for d in delays if d is not None) / 1000)


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
    errors = []
    try:
        for seg in segs:
            assert seg.start_at is not None and seg.end_at is not None
            when = seg.start_at
            while when < seg.end_at:
                shown = reader.frame_at(when)
                assert shown.image is not None and shown.frame_time is not None, shown.status
                errors.append(abs((burned(shown.image) - shown.frame_time).total_seconds()))
                when += timedelta(seconds=step_s)
    finally:
        reader.close()
    return errors


@pytest.mark.parametrize("name", list(CAMERAS))
def test_every_written_and_shown_time_is_the_burned_in_clock(recording: Recording, name: str) -> None:
    limit = allowance(recording)
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


def test_honest_and_stalled_clocks_are_trusted(recording: Recording) -> None:
    for name in ("honest", "stalls"):
        assert recording.status[name]["trusted"] is True, (name, recording.status[name])
        assert recording.segments[name][-1].clock_source == "camera RTCP"
