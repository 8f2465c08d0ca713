"""Frame-exact reading of one camera's recordings at any wall-clock time (PyAV).

The scrub view asks each tile's reader for "the frame on screen at time T" as the shared clock
moves. Going forward a little from the last answer continues decoding where it stopped; anything
else seeks to the keyframe at or before T and decodes forward to T. At fast speeds the view asks
for keyframes only. Each segment's file is checked against its recorded SHA-256 the first time it
is read: an altered or missing segment is reported, never played. A reader is used by one worker
thread at a time.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import av
import numpy as np

from app.playback.clock import SegmentClock, read_clock
from app.playback.timeline import ALTERED, MISSING, OK, UNCHECKED, CameraTimeline, SegmentRef, check_integrity

# Continue decoding instead of seeking when the new time is at most this far ahead.
SEQUENTIAL_WINDOW = timedelta(seconds=1.5)
# Segments a reader keeps open with their decoders: scrubbing back and forth over a few minutes
# seeks within open files instead of opening (and demuxing for the clock) again each time.
WARM_SEGMENTS = 4


@dataclass(frozen=True)
class FrameResult:
    camera_id: int
    requested: datetime
    frame_time: datetime | None
    image: np.ndarray | None  # RGB, height x width x 3
    status: str  # "ok", "no recording", "altered", "missing", "unreadable: ..."


class _OpenSegment:
    """One segment's demuxer and decoder, with where decoding stopped."""

    def __init__(self, segment: SegmentRef, clock: SegmentClock) -> None:
        self.segment = segment
        self.clock = clock
        self.container: Any = av.open(str(segment.path))
        self.stream: Any = self.container.streams.video[0]
        self.stream.thread_type = "AUTO"
        self.frames: Iterator[Any] | None = self.container.decode(self.stream)
        self.last: Any = next(self.frames)  # last decoded frame
        self.peek: Any = None  # decoded but later than the last request

    def close(self) -> None:
        self.container.close()


class FrameReader:
    """A camera's frames at any time. Up to ``WARM_SEGMENTS`` segments stay open with their
    decoders, so that a seek back and forth between segments is a seek, not a file opening; each
    segment's clock is read once."""

    def __init__(self, timeline: CameraTimeline) -> None:
        self.timeline = timeline
        self._lock = threading.Lock()
        self._warm: OrderedDict[int, _OpenSegment] = OrderedDict()  # segment id -> open, latest last
        self._clocks: dict[int, SegmentClock] = {}
        self._cur: _OpenSegment | None = None

    def close(self) -> None:
        with self._lock:
            self._close_all()

    def _close_all(self) -> None:
        for opened in self._warm.values():
            opened.close()
        self._warm.clear()
        self._cur = None

    def _forget(self, segment: SegmentRef) -> None:
        opened = self._warm.pop(segment.id, None)
        if opened is not None:
            opened.close()
        if self._cur is opened:
            self._cur = None

    def _time_of(self, frame: Any) -> datetime:
        assert self._cur is not None
        return self._cur.clock.at(frame.pts)

    def _open(self, segment: SegmentRef) -> None:
        opened = self._warm.pop(segment.id, None)
        if opened is None:
            clock = self._clocks.get(segment.id)
            if clock is None:
                clock = self._clocks[segment.id] = read_clock(segment.path, segment.start, segment.end)
            opened = _OpenSegment(segment, clock)
            while len(self._warm) >= WARM_SEGMENTS:
                self._warm.popitem(last=False)[1].close()
        self._warm[segment.id] = opened
        self._cur = opened

    def frame_at(self, when: datetime, size: tuple[int, int] | None = None, keyframes_only: bool = False
                 ) -> FrameResult:  # fmt: skip
        with self._lock:
            return self._frame_at(when, size, keyframes_only)

    def _frame_at(self, when: datetime, size: tuple[int, int] | None, keyframes_only: bool) -> FrameResult:
        cid = self.timeline.camera_id
        frame, status = self._decoded_at(when, keyframes_only)
        if frame is None:
            return FrameResult(cid, when, None, None, status)
        width, height = size or (frame.width, frame.height)
        image = frame.reformat(width=width, height=height, format="rgb24").to_ndarray()
        return FrameResult(cid, when, self._time_of(frame), image, "ok")

    def _decoded_at(self, when: datetime, keyframes_only: bool = False) -> tuple[Any, str]:
        """The decoded frame on screen at ``when`` (or None) and the status that explains it."""
        segment = self.timeline.segment_at(when)
        if segment is None:
            return None, "no recording"
        if segment.integrity == UNCHECKED:
            check_integrity(segment)
        if segment.integrity in (ALTERED, MISSING):
            self._forget(segment)
            return None, segment.integrity
        assert segment.integrity == OK
        try:
            if self._cur is None or self._cur.segment is not segment:
                self._open(segment)
            frame = self._decode_to(when, keyframes_only)
        except (av.error.FFmpegError, StopIteration, OSError) as exc:
            self._forget(segment)
            return None, f"unreadable: {exc}"
        return frame, "ok" if frame is not None else "no recording"

    def adjacent_frame_time(self, shown: datetime, direction: int) -> datetime | None:
        """The recorded time of the frame just after (``direction`` > 0) or just before the frame
        shown at ``shown``, crossing into the next or previous segment; None past the ends."""
        with self._lock:
            if direction < 0:
                frame, _status = self._decoded_at(shown - timedelta(microseconds=1))
                return self._time_of(frame) if frame is not None else None
            frame, _status = self._decoded_at(shown)
            cur = self._cur
            if frame is not None and cur is not None and cur.frames is not None:
                try:
                    upcoming = cur.peek if cur.peek is not None else next(cur.frames, None)
                except av.error.FFmpegError:
                    upcoming = None
                if upcoming is not None:
                    cur.peek = upcoming  # the next sequential request continues from here
                    return self._time_of(upcoming)
            later = [seg for seg in self.timeline.segments if seg.start > shown]
            return later[0].start if later else None

    def _decode_to(self, when: datetime, keyframes_only: bool) -> Any:
        cur = self._cur
        assert cur is not None
        last = cur.last
        ahead = last is not None and self._time_of(last) <= when <= self._time_of(last) + SEQUENTIAL_WINDOW
        if keyframes_only or not ahead:
            target = max(cur.clock.first_pts, cur.clock.pts_of(when))
            cur.container.seek(target, stream=cur.stream, backward=True)
            cur.frames = cur.container.decode(cur.stream)
            cur.peek = None
            cur.last = last = next(cur.frames, None)
            if keyframes_only or last is None:
                return last
        assert cur.frames is not None
        # Decode forward until the next frame would be later than ``when``; keep the one before,
        # and hold the later one back for the next sequential request.
        while True:
            upcoming = cur.peek if cur.peek is not None else next(cur.frames, None)
            cur.peek = None
            if upcoming is None:
                return cur.last
            if self._time_of(upcoming) > when:
                cur.peek = upcoming
                return cur.last
            cur.last = upcoming
