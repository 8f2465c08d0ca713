"""Scrubbing recordings: a seek shows the burned-in clock of that time; gaps and altered
segments are reported instead of played."""

from __future__ import annotations

import os
import shutil
import threading
import time
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from PySide6.QtTest import QTest

from app.console.session import workstation_session
from app.governance.purpose import Purpose
from app.incidents.service import IncidentInput, IncidentStore
from app.playback.reader import FrameReader
from app.playback.timeline import ALTERED, MISSING, OK, load_timelines
from app.registry.service import Registry
from tests.e2e.conftest import Recorded, frame_time_errors
from tests.helpers.clocks import clock_of, tile_clock
from tests.helpers.live import LIVE_INCIDENT

# The recorded camera is a business's: opening its recordings states why (the incident at its
# place that the recording fixture enters).
REVIEW = Purpose(incident=LIVE_INCIDENT)

pytestmark = pytest.mark.e2e


def reader_for(rec: Recorded, root: Path | None = None) -> FrameReader:
    segs = rec.segments
    timelines = load_timelines(
        rec.sessions(), root or rec.root, [rec.camera_id], segs[0].start_at, segs[-1].end_at
    )
    return FrameReader(timelines[rec.camera_id])


def test_a_seek_shows_the_frame_recorded_at_that_time(recorded: Recorded) -> None:
    reader = reader_for(recorded)
    segs = recorded.segments
    for seg, offset in ((segs[1], 0.5), (segs[2], 1.3), (segs[0], 1.0)):  # backwards too
        when = seg.start_at + timedelta(seconds=offset)
        result = reader.frame_at(when)
        assert result.status == "ok" and result.image is not None
        assert abs((clock_of(result.image) - when).total_seconds()) < 1.0
        assert result.frame_time is not None and result.frame_time <= when
    # Playing forward decodes on from the last frame: frame times advance with the clock.
    start = segs[1].start_at + timedelta(seconds=0.2)
    times = [reader.frame_at(start + timedelta(milliseconds=67 * i)).frame_time for i in range(20)]
    assert all(a is not None and b is not None and a <= b for a, b in pairwise(times))
    assert times[-1] - times[0] >= timedelta(seconds=1)  # type: ignore[operator]
    # Fast speeds ask for keyframes only, scaled to the tile.
    small = reader.frame_at(segs[2].start_at + timedelta(seconds=1), size=(320, 180), keyframes_only=True)
    assert small.image is not None and small.image.shape == (180, 320, 3)
    reader.close()


def test_scrubbing_back_and_forth_across_segments_shows_the_right_frame(
    recorded: Recorded,
) -> None:
    """A reader keeps recent segments open with their decoders (what makes a seek cheap): going
    back to one it left, mid-way through decoding, must still show the frame at the new time,
    and playing on from there must continue from that frame, not from where it left off."""
    reader = reader_for(recorded)
    segs = recorded.segments[:3]
    visits = [(2, 1.2), (0, 0.4), (1, 2.0), (0, 2.5), (2, 0.1), (1, 0.3), (0, 0.4)]
    for index, offset in visits:
        when = segs[index].start_at + timedelta(seconds=offset)
        result = reader.frame_at(when)
        assert result.status == "ok" and result.image is not None and result.frame_time is not None
        # The frame on screen at ``when``: the last one taken at or before it (the next is after
        # it; a camera on a busy machine drops frames, so it may be more than 1/15 s earlier).
        later = reader.adjacent_frame_time(result.frame_time, +1)
        assert result.frame_time <= when and later is not None and later > when
        assert abs((clock_of(result.image) - result.frame_time).total_seconds()) < 0.07
        # Two frames on from here, then back one: each answer is that frame, in order.
        step = reader.frame_at(later)
        assert step.frame_time == later and step.image is not None
        assert abs((clock_of(step.image) - later).total_seconds()) < 0.07
        assert reader.adjacent_frame_time(later, -1) == result.frame_time
    reader.close()


def test_the_time_shown_for_a_frame_is_the_time_the_camera_took_it(recorded: Recorded) -> None:
    """Segments placed by the camera's RTCP sender reports: the time given for every frame is within
    one frame (1/15 s) of its burned-in clock. Arrival time was 0.9-4.8 s off in the scrub view; it
    places only segments recorded before the camera's clock earned trust (the recording fixture
    shortens that probation to seconds), and the index says which."""
    from sqlalchemy import select

    from app.models.tables import EvidenceItem

    with recorded.sessions()() as s:
        rows = list(s.scalars(select(EvidenceItem).where(EvidenceItem.kind == "segment")
                              .order_by(EvidenceItem.start_at)))  # fmt: skip
    sources = [r.clock_source for r in rows]
    placed_by = {"camera RTCP", "arrival", "arrival less measured delay"}
    assert set(sources) <= placed_by and sources[-1] == "camera RTCP", sources
    timed = [r for r in rows if r.clock_source == "camera RTCP"]
    assert all(r.clock_offset_ms is not None and 0 <= r.clock_offset_ms < 3000 for r in timed)
    reader = reader_for(recorded)
    errors = frame_time_errors(reader, [(r.start_at, r.end_at) for r in timed], 0.37)  # type: ignore[misc]
    reader.close()
    assert len(errors) >= 5 and max(errors) < 1 / 15, (max(errors), len(errors))


def test_gaps_altered_and_missing_segments_are_reported(recorded: Recorded, tmp_path: Path) -> None:
    root = tmp_path / "recordings"
    shutil.copytree(recorded.root, root)
    segs = recorded.segments
    altered = root / segs[1].path
    data = bytearray(altered.read_bytes())
    data[len(data) // 2] ^= 0xFF
    altered.write_bytes(bytes(data))
    (root / segs[2].path).unlink()
    reader = reader_for(recorded, root)
    assert reader.frame_at(segs[0].start_at + timedelta(seconds=1)).status == OK
    assert reader.frame_at(segs[1].start_at + timedelta(seconds=1)).status == ALTERED
    assert reader.frame_at(segs[2].start_at + timedelta(seconds=1)).status == MISSING
    assert reader.frame_at(segs[0].start_at - timedelta(minutes=5)).status == "no recording"
    timeline = reader.timeline
    assert [s.integrity for s in timeline.segments[:3]] == [OK, ALTERED, MISSING]
    assert timeline.gaps == []  # the recorder ran without interruption
    reader.close()


def burned_in_times(rec: Recorded) -> list[datetime]:
    """Every recorded frame's burned-in clock, in order, decoded straight from the segment files."""
    import av

    times: list[datetime] = []
    for seg in rec.segments:
        with av.open(str(rec.root / seg.path)) as container:
            for frame in container.decode(video=0):
                times.append(clock_of(frame.to_ndarray(format="rgb24")))
    return times


def test_frame_steps_cross_segments_one_recorded_frame_at_a_time(recorded: Recorded) -> None:
    """Stepping by frames visits every recorded frame in order, across segment boundaries, and
    back again: none skipped, none shown twice (a 1/15 s step once landed on the same frame)."""
    reader = reader_for(recorded)
    every = burned_in_times(recorded)
    start = recorded.segments[1].start_at - timedelta(seconds=0.5)
    shown = reader.frame_at(start).frame_time
    assert shown is not None
    seen = [clock_of(reader.frame_at(shown).image)]
    for _ in range(15):  # forward over the boundary between the first two segments
        shown = reader.adjacent_frame_time(shown, 1)
        assert shown is not None
        seen.append(clock_of(reader.frame_at(shown).image))
    first = every.index(seen[0])
    assert seen == every[first : first + 16]
    for _ in range(15):  # and back the same way
        shown = reader.adjacent_frame_time(shown, -1)
        assert shown is not None
        seen.append(clock_of(reader.frame_at(shown).image))
    assert seen[16:] == list(reversed(every[first : first + 15]))
    reader.close()


def test_the_scrub_view_opens_at_the_incident_and_seeks_every_tile_together(
    recorded: Recorded, qtbot
) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from app.evidence.cases import CaseStore
    from app.views.scrub.window import ScrubWindow
    from tests.presses import answer_dialog, button, click, wait_answered

    segs = recorded.segments
    every = burned_in_times(recorded)
    registry = Registry(recorded.sessions())
    camera = next(c for c in registry.list_cameras() if c.id == recorded.camera_id)
    reported = segs[2].start_at + timedelta(seconds=1)
    window = ScrubWindow(workstation_session(recorded.sessions()), recorded.root, [camera, camera], reported,
                         title="test", margin=timedelta(seconds=2), purpose=REVIEW)  # fmt: skip
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: all(t.image is not None for t in window.tiles), timeout=20_000)
    opened_at = reported - timedelta(seconds=2)
    assert window.position == opened_at
    for tile in window.tiles:
        assert abs((tile_clock(tile) - opened_at).total_seconds()) < 1.0
    # A seek on the timeline moves both tiles to the frame of the new time.
    target = segs[0].start_at + timedelta(seconds=1.5)
    window.seek(target)
    qtbot.waitUntil(lambda: bool(window.seek_latencies_ms), timeout=10_000)
    qtbot.waitUntil(lambda: all(t.frame_time and abs((t.frame_time - target).total_seconds()) < 0.2
                                for t in window.tiles), timeout=10_000)  # fmt: skip
    for tile in window.tiles:
        assert abs((tile_clock(tile) - target).total_seconds()) < 1.0

    def step_and_see(press) -> int:  # type: ignore[no-untyped-def]
        """Press, wait for the lead tile to change, return the burned-in frame's index."""
        before = window.tiles[0].frame_time
        press()
        qtbot.waitUntil(lambda: window.tiles[0].frame_time != before, timeout=5_000)
        qtbot.waitUntil(lambda: window.position == window.tiles[0].frame_time, timeout=5_000)
        return every.index(tile_clock(window.tiles[0]))

    # Frame step by the button and by the keys: exactly one recorded frame each way, and the
    # playhead sits on the shown frame's time.
    here = every.index(tile_clock(window.tiles[0]))
    assert step_and_see(lambda: click(button(window, "scrub_frame_next"))) == here + 1
    assert step_and_see(lambda: QTest.keyClick(window, Qt.Key.Key_Period)) == here + 2
    assert step_and_see(lambda: click(button(window, "scrub_frame_prev"))) == here + 1
    assert step_and_see(lambda: QTest.keyClick(window, Qt.Key.Key_Comma)) == here
    # Space plays and pauses; the clock moves on.
    QTest.keyClick(window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.position > target + timedelta(seconds=0.5), timeout=10_000)
    click(button(window, "scrub_play"))
    assert not window.playing and "paused" in window.clock.text()
    # Mark in and out with the keys, a bookmark whose note is typed into the real dialog, and
    # "To case…" with the case number typed into its dialog: the segments go on legal hold.
    window.seek(segs[1].start_at + timedelta(seconds=0.5))
    QTest.keyClick(window, Qt.Key.Key_I)
    window.seek(segs[1].start_at + timedelta(seconds=1.5))
    click(button(window, "scrub_mark_out"))
    assert "in " in window.marks_label.text() and "out " in window.marks_label.text()
    note = answer_dialog("suspect at the door")
    click(button(window, "scrub_bookmark"))
    wait_answered(qtbot, note)
    assert "1 bookmark(s)" in window.marks_label.text()
    number = answer_dialog("SCRUB-1")
    click(button(window, "scrub_to_case"))
    wait_answered(qtbot, number)
    assert number.title == "Put footage into a case"
    qtbot.waitUntil(lambda: "put into case SCRUB-1" in window.statusBar().currentMessage(), timeout=10_000)
    store = CaseStore(recorded.sessions())
    case_id = store.find("SCRUB-1")
    assert case_id is not None
    windows = store.windows(case_id)
    assert len(windows) == 2 and segs[1].id in windows[0].segment_ids
    assert store.bookmarks(case_id)[0].note == "suspect at the door"
    # Ctrl+K asks again with the case number filled in; Escape puts nothing anywhere. (With no
    # window manager on the test screen, focus comes back to the window only when asked.)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    again = answer_dialog(accept=False)
    QTest.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    wait_answered(qtbot, again)
    assert len(store.windows(case_id)) == 2
    # F1 lists the window's shortcuts.
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    help_seen = answer_dialog()
    QTest.keyClick(window, Qt.Key.Key_F1)
    wait_answered(qtbot, help_seen)
    assert help_seen.title == "Keyboard shortcuts" and any("Next frame" in t for t in help_seen.texts)
    window.close()


@pytest.mark.sqlite_only  # a view's behaviour: views see only use cases, tested on both backends
def test_hovering_the_timeline_previews_that_moment_and_leaving_it_shows_none(
    recorded: Recorded, qtbot
) -> None:  # type: ignore[no-untyped-def]
    """The pointer on a camera's row shows a preview of the frame there, under the pointer; a
    preview still decoding when the pointer leaves never appears (it is a tool-tip window: a late
    one stayed above every window, the review window opened next included)."""
    from PySide6.QtCore import QPoint

    from app.views.scrub.timeline import AXIS_H, ROW_H
    from app.views.scrub.window import ScrubWindow

    camera = next(c for c in Registry(recorded.sessions()).list_cameras() if c.id == recorded.camera_id)
    reported = recorded.segments[1].start_at
    window = ScrubWindow(workstation_session(recorded.sessions()), recorded.root, [camera], reported,
                         title="hover", margin=timedelta(seconds=4), purpose=REVIEW)  # fmt: skip
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.loaded and bool(window.preview.readers), timeout=20_000)
    timeline, thumbnail = window.timeline, window.preview.label
    recorded_at = recorded.segments[1].start_at + timedelta(seconds=1)
    on_row = QPoint(round(timeline.x_of(recorded_at)), AXIS_H + ROW_H // 2)
    QTest.mouseMove(timeline, on_row)
    qtbot.waitUntil(thumbnail.isVisible, timeout=10_000)
    assert thumbnail.pixmap() is not None and not thumbnail.pixmap().isNull()
    near = timeline.mapToGlobal(on_row)
    assert abs(thumbnail.x() - near.x()) < 40 and thumbnail.geometry().bottom() < near.y()
    # Off the timeline: the preview goes with the pointer.
    QTest.mouseMove(window.clock)
    qtbot.waitUntil(lambda: not thumbnail.isVisible(), timeout=5_000)
    # On the row and straight off it, with the decode coming back only after the pointer has left
    # (as on a busy machine): nothing appears.
    reader = window.preview.readers[camera.id]
    decode_frame, gate, asked = reader.frame_at, threading.Event(), []

    def late_frame_at(*args, **kwargs):  # type: ignore[no-untyped-def]
        asked.append(args)
        gate.wait(10)
        return decode_frame(*args, **kwargs)

    reader.frame_at = late_frame_at  # type: ignore[method-assign]
    QTest.mouseMove(timeline, on_row + QPoint(6, 0))
    qtbot.waitUntil(lambda: bool(asked), timeout=5_000)  # decoding
    QTest.mouseMove(window.clock)
    gate.set()
    qtbot.waitUntil(lambda: not window.preview.busy, timeout=10_000)  # the decode came back
    assert len(asked) == 1 and not thumbnail.isVisible()
    window.close()


def test_an_incident_before_any_recording_says_so(recorded: Recorded, qtbot) -> None:  # type: ignore[no-untyped-def]
    from app.views.scrub.window import ScrubWindow

    camera = next(c for c in Registry(recorded.sessions()).list_cameras() if c.id == recorded.camera_id)
    early = recorded.segments[0].start_at - timedelta(days=3)
    number = f"EARLY-{os.getpid()}-{time.monotonic_ns()}"  # an incident of three days before, at the camera
    IncidentStore(recorded.sessions()).create(
        IncidentInput(number, "burglary", early, "UTC", camera.latitude, camera.longitude, 200.0), []
    )
    window = ScrubWindow(
        workstation_session(recorded.sessions()),
        recorded.root,
        [camera],
        early,
        purpose=Purpose.of_incident(number),
    )
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.loaded, timeout=10_000)
    assert "No recordings this early" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: window.tiles[0].status == "no recording", timeout=10_000)
    window.close()
