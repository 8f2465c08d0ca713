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


@dataclass(frozen=True)
class FrameResult:
    camera_id: int
    requested: datetime
    frame_time: datetime | None
    image: np.ndarray | None  # RGB, height x width x 3
    status: str  # "ok", "no recording", "altered", "missing", "unreadable: ..."


class FrameReader:
    def __init__(self, timeline: CameraTimeline) -> None:
        self.timeline = timeline
        self._lock = threading.Lock()
        self._segment: SegmentRef | None = None
        self._container: Any = None
        self._stream: Any = None
        self._clock: SegmentClock | None = None
        self._frames: Iterator[Any] | None = None
        self._last: Any = None  # last decoded frame
        self._peek: Any = None  # decoded but later than the last request

    def close(self) -> None:
        with self._lock:
            self._close_container()

    def _close_container(self) -> None:
        if self._container is not None:
            self._container.close()
        self._container = self._stream = self._frames = self._last = self._peek = None
        self._segment = None

    def _time_of(self, frame: Any) -> datetime:
        assert self._clock is not None
        return self._clock.at(frame.pts)

    def _open(self, segment: SegmentRef) -> None:
        self._close_container()
        self._clock = read_clock(segment.path, segment.start, segment.end)
        self._container = av.open(str(segment.path))
        self._stream = self._container.streams.video[0]
        self._stream.thread_type = "AUTO"
        self._segment = segment
        self._frames = self._container.decode(self._stream)
        self._last = next(self._frames)
        self._peek = None

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
            if self._segment is segment:
                self._close_container()
            return None, segment.integrity
        assert segment.integrity == OK
        try:
            if self._segment is not segment:
                self._open(segment)
            frame = self._decode_to(when, keyframes_only)
        except (av.error.FFmpegError, StopIteration, OSError) as exc:
            self._close_container()
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
            if frame is not None and self._frames is not None:
                try:
                    upcoming = self._peek if self._peek is not None else next(self._frames, None)
                except av.error.FFmpegError:
                    upcoming = None
                if upcoming is not None:
                    self._peek = upcoming  # the next sequential request continues from here
                    return self._time_of(upcoming)
            later = [seg for seg in self.timeline.segments if seg.start > shown]
            return later[0].start if later else None

    def _decode_to(self, when: datetime, keyframes_only: bool) -> Any:
        last = self._last
        ahead = last is not None and self._time_of(last) <= when <= self._time_of(last) + SEQUENTIAL_WINDOW
        if keyframes_only or not ahead:
            assert self._clock is not None
            target = max(self._clock.first_pts, self._clock.pts_of(when))
            self._container.seek(target, stream=self._stream, backward=True)
            self._frames = self._container.decode(self._stream)
            self._peek = None
            self._last = last = next(self._frames, None)
            if keyframes_only or last is None:
                return last
        assert self._frames is not None
        # Decode forward until the next frame would be later than ``when``; keep the one before,
        # and hold the later one back for the next sequential request.
        while True:
            upcoming = self._peek if self._peek is not None else next(self._frames, None)
            self._peek = None
            if upcoming is None:
                return self._last
            if self._time_of(upcoming) > when:
                self._peek = upcoming
                return self._last
            self._last = upcoming
